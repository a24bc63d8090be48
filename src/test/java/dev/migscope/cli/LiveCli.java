package dev.migscope.cli;

import static org.assertj.core.api.Assertions.fail;

import dev.migscope.testsupport.QemuProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/** A command line running in this JVM with its output readable while it runs (attach follows, then exits). */
final class LiveCli {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final CompletableFuture<Integer> code;
    private final Duration exitWithin;

    /** {@code exitWithin}: how long {@link #exit} waits for the command to end. */
    LiveCli(CommandLine cl, Duration exitWithin, String... args) {
        this.exitWithin = exitWithin;
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        code = CompletableFuture.supplyAsync(() -> cl.execute(args));
    }

    /** Waits until stdout has {@code n} lines containing {@code text}. */
    void awaitOut(String text, int n) throws InterruptedException {
        long deadline = System.nanoTime() + QemuProcess.WAIT.toNanos();
        while (out.toString().lines().filter(l -> l.contains(text)).count() < n) {
            if (System.nanoTime() > deadline || code.isDone()) {
                fail("no " + n + " line(s) with '" + text + "'; out: " + out + " err: " + err);
            }
            Thread.sleep(20);
        }
    }

    /** The exit code, once the command has ended. */
    int exit() throws Exception {
        return code.get(exitWithin.toMillis(), TimeUnit.MILLISECONDS);
    }
}
