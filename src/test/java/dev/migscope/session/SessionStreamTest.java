package dev.migscope.session;

import dev.migscope.device.MigrationFile;
import dev.migscope.testsupport.FullDiskChannel;
import dev.migscope.view.StreamResult;
import dev.migscope.view.Progress;
import dev.migscope.view.Cancellation;
import dev.migscope.view.DeviceEvent;

import static dev.migscope.fsm.MigState.ERROR;
import static dev.migscope.fsm.MigState.PRE_COPY;
import static dev.migscope.fsm.MigState.RESUMING;
import static dev.migscope.fsm.MigState.RUNNING;
import static dev.migscope.fsm.MigState.STOP;
import static dev.migscope.fsm.MigState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.Errno;
import dev.migscope.view.TransitionResult;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.testsupport.FakeBackend;
import dev.migscope.testsupport.FakeDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Save and resume through a session, against fake devices that fail where the test says. */
class SessionStreamTest extends FakeHarness {

    @TempDir
    Path dir;

    static Stream<MigFeatures> featureSets() {
        return MigFeatures.VALID_SETS.stream();
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static boolean precopy(MigFeatures f) {
        return f.has(dev.migscope.fsm.MigFeature.PRE_COPY);
    }

    @ParameterizedTest
    @MethodSource("featureSets")
    void saveThenResumeIntoAnotherDeviceCarriesTheStateByteForByte(MigFeatures f) throws Exception {
        FakeDevice src = device("src", f);
        FakeDevice dst = device("dst", f);
        assertThat(dst.content()).isNotEqualTo(src.content());
        FakeBackend b = new FakeBackend().add(src).add(dst);
        MigrationSession s = open(b, "fake:src", quiet());
        MigrationSession t = open(b, "fake:dst", quiet());
        Path file = dir.resolve("state.mig");

        StreamResult saved = join(s.save(file, null, Progress.NONE, new Cancellation()));
        assertThat(saved.ok()).as(String.valueOf(saved.error())).isTrue();
        assertThat(saved.finalState()).isEqualTo(STOP);
        assertThat(src.state()).isEqualTo(STOP);
        assertThat(saved.totalBytes()).isEqualTo(src.streamLength());
        assertThat(saved.bytesByPhase()).extracting(StreamResult.PhaseBytes::phase)
                .containsExactlyElementsOf(precopy(f) ? List.of(PRE_COPY, STOP_COPY) : List.of(STOP_COPY));
        assertThat(saved.transitions()).allMatch(TransitionResult::ok);
        MigrationFile.Verified v = MigrationFile.verify(file);
        assertThat(v.source().features()).isEqualTo(f);
        assertThat(v.source().deviceId()).isEqualTo("fake:src");
        assertThat(files()).containsExactly(file);

        StreamResult resumed = join(t.resume(file, RUNNING, Progress.NONE, new Cancellation()));
        assertThat(resumed.ok()).as(String.valueOf(resumed.error())).isTrue();
        assertThat(resumed.finalState()).isEqualTo(RUNNING);
        assertThat(dst.state()).isEqualTo(RUNNING);
        assertThat(dst.content()).isEqualTo(src.content());
        assertThat(resumed.totalBytes()).isEqualTo(v.dataLength());
        assertThat(events(DeviceEvent.Kind.SAVE)).hasSize(1);
        assertThat(events(DeviceEvent.Kind.RESUME)).hasSize(1);
    }

    @Test
    void saveThenGoesWhereItIsTold() throws Exception {
        FakeDevice d = device("then", MigFeatures.ALL);
        MigrationSession s = open(d, quiet().withMode(TransitionMode.KERNEL));
        StreamResult r = join(s.save(dir.resolve("a.mig"), RUNNING, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).isTrue();
        assertThat(d.state()).isEqualTo(RUNNING);
        assertThat(s.state()).isEqualTo(RUNNING);
        assertThat(r.transitions()).extracting(TransitionResult::requested)
                .containsExactly(PRE_COPY, STOP_COPY, STOP, RUNNING);
    }

    @Test
    void aNonConvergingPreCopySwitchesOverAtItsTimeLimit() throws Exception {
        FakeDevice d = device("dirty", MigFeatures.ALL);
        d.setDirtyBytes(1L << 40);
        MigrationSession s = open(d, quiet().withPrecopy(java.time.Duration.ZERO, 1 << 20));
        StreamResult r = join(s.save(dir.resolve("a.mig"), null, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).isTrue();
        assertThat(MigrationFile.verify(dir.resolve("a.mig")).dataLength())
                .isEqualTo(d.streamLength());
    }

    /** PRE_COPY's temporary end as ENOMSG (mlx5) means "no data now", exactly as read() == 0 (mtty) does. */
    @Test
    void aPreCopyEndSignalledWithEnomsgSavesTheSameStreamAsOneWithZero() throws Exception {
        FakeDevice zero = device("zero", MigFeatures.ALL);
        FakeDevice enomsg = new FakeDevice("fake:enomsg", "fake_vfio_pci", MigFeatures.ALL, zero.content());
        enomsg.enomsgAtEnd(false);
        FakeBackend b = new FakeBackend().add(zero).add(enomsg);
        StreamResult byZero = join(open(b, "fake:zero", quiet())
                .save(dir.resolve("zero.mig"), null, Progress.NONE, new Cancellation()));
        StreamResult byEnomsg = join(open(b, "fake:enomsg", quiet())
                .save(dir.resolve("enomsg.mig"), null, Progress.NONE, new Cancellation()));

        assertThat(byEnomsg.ok()).as(String.valueOf(byEnomsg.error())).isTrue();
        assertThat(byEnomsg.bytesByPhase()).isEqualTo(byZero.bytesByPhase());
        assertThat(byEnomsg.bytesByPhase().get(0).bytes()).isPositive();
        assertThat(MigrationFile.verify(dir.resolve("enomsg.mig")).dataLength())
                .isEqualTo(zero.streamLength());
    }

    /** vfio.h forbids ENOMSG in STOP_COPY; the save takes it as the end, as QEMU does, and conform reports it. */
    @Test
    void anEnomsgInStopCopyEndsTheSaveLikeReadZero() throws Exception {
        FakeDevice d = device("stopcopy-enomsg", MigFeatures.ALL);
        d.enomsgAtEnd(true);
        MigrationSession s = open(d, quiet());
        StreamResult r = join(s.save(dir.resolve("a.mig"), null, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).as(String.valueOf(r.error())).isTrue();
        assertThat(r.totalBytes()).isEqualTo(d.streamLength());
        assertThat(MigrationFile.verify(dir.resolve("a.mig")).dataLength()).isEqualTo(r.totalBytes());
    }

    /** Cancels from the progress callback (it runs on the device thread between chunks): exact, no timing. */
    private static Progress cancelIn(String phase, Cancellation c) {
        return (p, bytes, estimate) -> {
            if (p.equals(phase)) {
                c.cancel();
            }
        };
    }

    @ParameterizedTest
    @MethodSource("featureSets")
    void aCancelledSaveLeavesNoFileAndTheDeviceRunning(MigFeatures f) throws Exception {
        for (String phase : precopy(f) ? List.of("PRE_COPY", "STOP_COPY") : List.of("STOP_COPY")) {
            FakeDevice d = device("cancel-" + phase, f);
            MigrationSession s = open(d, quiet());
            Cancellation c = new Cancellation();
            Path file = dir.resolve("c.mig");
            StreamResult r = join(s.save(file, null, cancelIn(phase, c), c));
            assertThat(r.cancelled()).isTrue();
            assertThat(r.ok()).isFalse();
            assertThat(r.error().is(Errno.ECANCELED)).isTrue();
            assertThat(r.finalState()).isEqualTo(RUNNING);
            assertThat(d.state()).isEqualTo(RUNNING);
            assertThat(s.state()).isEqualTo(RUNNING);
            assertThat(d.hasOpenStream()).isFalse();
            assertThat(files()).isEmpty();
        }
    }

    @Test
    void aCancelledSaveReturnsTheDeviceToWhereItWas() throws Exception {
        FakeDevice d = device("cancel-p2p", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        join(s.transition(MigState.RUNNING_P2P));
        Cancellation c = new Cancellation();
        StreamResult r = join(s.save(dir.resolve("c.mig"), null, cancelIn("STOP_COPY", c), c));
        assertThat(r.cancelled()).isTrue();
        assertThat(d.state()).isEqualTo(MigState.RUNNING_P2P);
    }

    @Test
    void aFailedDataFdReadLeavesNoFileAndRecoversTheDevice() throws Exception {
        FakeDevice d = device("readfail", MigFeatures.ALL);
        d.failReadsAfter(15_000, Errno.EIO); // in STOP_COPY: the pre-copy part is 10 006 bytes
        MigrationSession s = open(d, quiet());
        StreamResult r = join(s.save(dir.resolve("r.mig"), null, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).isFalse();
        assertThat(r.error().is(Errno.EIO)).isTrue();
        assertThat(r.error().call()).isEqualTo("read(data_fd)");
        assertThat(files()).isEmpty();
        assertThat(d.state()).isEqualTo(RUNNING);
        assertThat(r.finalState()).isEqualTo(RUNNING);
        assertThat(d.hasOpenStream()).isFalse();
    }

    @Test
    void aDiskThatFillsUpLeavesNoFileNamesTheProblemAndRecoversTheDevice() throws Exception {
        FakeDevice d = device("full", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        Path file = dir.resolve("full.mig");
        StreamResult r = join(s.save(file, null, Progress.NONE, new Cancellation(), FullDiskChannel.opener(8000)));
        assertThat(r.ok()).isFalse();
        assertThat(r.error().is(Errno.ENOSPC)).isTrue();
        assertThat(r.error().message()).contains(file.toString()).contains("no space left");
        assertThat(files()).isEmpty();
        assertThat(d.state()).isEqualTo(RUNNING);
        assertThat(s.state()).isEqualTo(RUNNING);
    }

    @Test
    void aSaveIntoAMissingDirectoryTouchesNothing() throws Exception {
        FakeDevice d = device("nodir", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        StreamResult r = join(s.save(dir.resolve("no/such/dir/x.mig"), null, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).isFalse();
        assertThat(r.error().is(Errno.ENOENT)).isTrue();
        assertThat(d.sets()).isEmpty();
    }

    @Test
    void aSaveFromErrorIsRefusedWithTheReasonAndTouchesNothing() throws Exception {
        FakeDevice d = device("fromerror", MigFeatures.ALL);
        d.force(ERROR);
        MigrationSession s = open(d, quiet());
        StreamResult r = join(s.save(dir.resolve("e.mig"), null, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).isFalse();
        assertThat(r.error().message()).contains("ERROR").contains("VFIO_DEVICE_RESET");
        assertThat(d.sets()).isEmpty();
        assertThat(files()).isEmpty();
    }

    @Test
    void aSaveThatCannotStartIsReportedWithTheDriversErrorAndRecovers() throws Exception {
        FakeDevice d = device("nostart", MigFeatures.ALL);
        d.failArc(MigState.PRE_COPY_P2P, STOP_COPY, Errno.EIO, null);
        MigrationSession s = open(d, quiet());
        StreamResult r = join(s.save(dir.resolve("n.mig"), null, Progress.NONE, new Cancellation()));
        assertThat(r.error().is(Errno.EIO)).isTrue();
        assertThat(files()).isEmpty();
        assertThat(d.state()).isEqualTo(RUNNING);
        assertThat(s.state()).isEqualTo(RUNNING);
    }

    // ------------------------------------------------------------------ resume

    private Path saved(FakeDevice from) throws Exception {
        MigrationSession s = open(from, quiet());
        Path file = dir.resolve(from.info().id().replace(':', '_') + ".mig");
        assertThat(join(s.save(file, RUNNING, Progress.NONE, new Cancellation())).ok()).isTrue();
        return file;
    }

    @Test
    void aRefusedFileLeavesTheDeviceUntouched() throws Exception {
        Path good = saved(device("src", MigFeatures.ALL));
        byte[] bytes = Files.readAllBytes(good);
        bytes[bytes.length - 5] ^= 1;
        Path bad = dir.resolve("bad.mig");
        Files.write(bad, bytes);
        Path garbage = dir.resolve("garbage.mig");
        Files.write(garbage, content(500, 1));

        FakeDevice d = device("dst", MigFeatures.ALL);
        d.force(STOP);
        MigrationSession s = open(d, quiet());
        for (Path p : List.of(bad, garbage, dir.resolve("missing.mig"))) {
            StreamResult r = join(s.resume(p, RUNNING, Progress.NONE, new Cancellation()));
            assertThat(r.ok()).isFalse();
            assertThat(r.transitions()).isEmpty();
            assertThat(r.finalState()).isEqualTo(STOP);
        }
        assertThat(d.sets()).isEmpty();
        assertThat(d.resets()).isZero();
        assertThat(d.state()).isEqualTo(STOP);
        StreamResult r = join(s.resume(bad, RUNNING, Progress.NONE, new Cancellation()));
        assertThat(r.error().message()).contains("CRC32C").contains("not touched");
    }

    @Test
    void aFileFromAnotherDriverOrFeatureSetIsRefusedBeforeTheDevice() throws Exception {
        Path file = saved(device("src", MigFeatures.ALL));
        FakeDevice otherDriver = new FakeDevice("fake:other", "other_vfio_pci", MigFeatures.ALL, content(10, 2));
        FakeDevice otherFeatures = device("hisi", MigFeatures.parse("stop-copy,pre-copy"));
        for (FakeDevice d : List.of(otherDriver, otherFeatures)) {
            MigrationSession s = open(d, quiet());
            StreamResult r = join(s.resume(file, RUNNING, Progress.NONE, new Cancellation()));
            assertThat(r.ok()).isFalse();
            assertThat(r.error().is(Errno.EINVAL)).isTrue();
            assertThat(r.error().message()).contains("not touched");
            assertThat(d.sets()).isEmpty();
        }
    }

    /** A file whose container is sound but whose stream the driver rejects (mtty: EINVAL, stays RESUMING). */
    private Path soundFileWithGarbageStream() throws IOException {
        Path file = dir.resolve("garbage-stream.mig");
        try (MigrationFile.Writer w = new MigrationFile.Writer(file, new MigrationFile.Source("fake_vfio_pci",
                "fake:src", "0x1234", "0x5678", MigFeatures.ALL), List.of(PRE_COPY, STOP_COPY),
                MigrationFile.ChannelOpener.DEFAULT)) {
            w.beginPhase(PRE_COPY);
            w.write(ByteBuffer.wrap(content(3000, 3)));
            w.commit();
        }
        return file;
    }

    @Test
    void aStreamTheDriverRejectsLeavesItInResumingAndAFreshResumeThenWorks() throws Exception {
        FakeDevice src = device("src", MigFeatures.ALL);
        Path good = saved(src);
        Path garbage = soundFileWithGarbageStream();
        FakeDevice d = device("dst", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());

        StreamResult r = join(s.resume(garbage, RUNNING, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).isFalse();
        assertThat(r.error().is(Errno.EINVAL)).isTrue();
        assertThat(r.finalState()).isEqualTo(RESUMING);
        assertThat(s.state()).isEqualTo(RESUMING);
        assertThat(d.state()).isEqualTo(RESUMING);

        // The user retries with a good file: it must not be appended to the rejected session's data.
        StreamResult again = join(s.resume(good, RUNNING, Progress.NONE, new Cancellation()));
        assertThat(again.ok()).as(String.valueOf(again.error())).isTrue();
        assertThat(d.content()).isEqualTo(src.content());
        assertThat(d.state()).isEqualTo(RUNNING);
    }

    @Test
    void aCancelledResumeResetsTheDevice() throws Exception {
        Path file = saved(device("src", MigFeatures.ALL));
        FakeDevice d = device("dst", MigFeatures.ALL);
        byte[] before = d.content();
        MigrationSession s = open(d, quiet());
        Cancellation c = new Cancellation();
        c.cancel();
        StreamResult r = join(s.resume(file, RUNNING, Progress.NONE, c));
        assertThat(r.cancelled()).isTrue();
        assertThat(r.error().is(Errno.ECANCELED)).isTrue();
        assertThat(d.resets()).isEqualTo(1);
        assertThat(d.state()).isEqualTo(RUNNING);
        assertThat(s.state()).isEqualTo(RUNNING);
        assertThat(d.content()).isEqualTo(before);
    }

    @Test
    void aDriverThatAcceptsNoBytesFailsTheResumeInsteadOfHanging() throws Exception {
        Path file = saved(device("src", MigFeatures.ALL));
        FakeDevice d = device("dst", MigFeatures.ALL);
        d.acceptNoWrites();
        MigrationSession s = open(d, quiet());
        StreamResult r = join(s.resume(file, RUNNING, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).isFalse();
        assertThat(r.error().call()).isEqualTo("write(data_fd)");
        assertThat(r.finalState()).isEqualTo(RESUMING);
    }

    @Test
    void aDriverThatReturnsNoDataFdFailsTheResumeWithAnError() throws Exception {
        Path file = saved(device("src", MigFeatures.ALL));
        FakeDevice d = device("dst", MigFeatures.ALL);
        d.returnNoResumeFd();
        MigrationSession s = open(d, quiet());
        StreamResult r = join(s.resume(file, RUNNING, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).isFalse();
        assertThat(r.error().is(Errno.EBADF)).isTrue();
    }

    @Test
    void aDisarmedSessionNeitherSavesNorResumes() throws Exception {
        Path file = saved(device("src", MigFeatures.ALL));
        FakeDevice d = device("dst", MigFeatures.ALL);
        MigrationSession s = open(d, quiet().withArmed(false));
        StreamResult save = join(s.save(dir.resolve("x.mig"), null, Progress.NONE, new Cancellation()));
        StreamResult resume = join(s.resume(file, RUNNING, Progress.NONE, new Cancellation()));
        assertThat(save.error().is(Errno.EPERM)).isTrue();
        assertThat(resume.error().is(Errno.EPERM)).isTrue();
        assertThat(d.sets()).isEmpty();
        assertThat(Files.exists(dir.resolve("x.mig"))).isFalse();
    }
}
