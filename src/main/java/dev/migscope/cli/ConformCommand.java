package dev.migscope.cli;

import dev.migscope.conform.ConformanceOptions;
import dev.migscope.device.VfioException;
import dev.migscope.host.Host;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code migscope conform DEV}: the driver conformance run of docs/CONFORMANCE.md. */
@Command(name = "conform", description = {
    "Check the device's migration support against every rule of the VFIO v2 uAPI: features, every direct arc "
            + "and its data_fd, every multi-step pair and refusal, PRECOPY_INFO, the STOP_COPY stream and "
            + "MIG_DATA_SIZE, resume, reset, DMA logging; and time the SET of each arc.",
    "Each result names the vfio.h rule it comes from. The device is brought back to RUNNING at the end "
            + "(reset if needed), and the report says so. Exit status 1 when any check failed."})
final class ConformCommand implements Callable<Integer> {

    @Mixin
    DeviceParameter dev;

    @Option(names = "--peer", paramLabel = "DEV2",
            description = "A compatible device to resume the saved stream into (round trip); without it the "
                    + "stream is resumed into DEV itself.")
    String peer;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "" + ConformanceOptions.DEFAULT_REPEATS,
            description = "SETs timed per direct arc for the latency table (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--max-stream-bytes", paramLabel = "BYTES",
            defaultValue = "" + ConformanceOptions.DEFAULT_MAX_STREAM_BYTES,
            description = "Bytes read from one data_fd before the stream counts as never ending "
                    + "(default: ${DEFAULT-VALUE}).")
    long maxStreamBytes;

    @Option(names = "--json", description = "Print the report as JSON (schema migscope-conform/1).")
    boolean json;

    @Override
    public Integer call() {
        if (repeats < 1) {
            throw new ParameterException(dev.spec.commandLine(), "--repeats must be at least 1 (was " + repeats + ")");
        }
        if (maxStreamBytes < 1) {
            throw new ParameterException(dev.spec.commandLine(), "--max-stream-bytes must be at least 1");
        }
        if (dev.id.equals(peer)) {
            throw new ParameterException(dev.spec.commandLine(), "--peer must name another device than DEV");
        }
        dev.root().checkedId(dev.id);
        if (peer != null) {
            dev.root().checkedId(peer);
        }
        Host.ConformReply r;
        try {
            r = dev.root().host().conform(dev.id, peer, repeats, maxStreamBytes, json);
        } catch (VfioException e) {
            throw new CliFailure(ExitCode.NO_DEVICE, e.error().describe());
        }
        PrintWriter out = dev.spec.commandLine().getOut();
        out.print(r.report());
        out.flush();
        return r.failed() ? ExitCode.FAILED : ExitCode.OK;
    }
}
