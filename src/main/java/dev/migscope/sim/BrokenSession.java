package dev.migscope.sim;

import dev.migscope.device.Errno;
import dev.migscope.device.ForwardingDeviceSession;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.VfioCall;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.nio.ByteBuffer;
import java.util.Optional;

/** A correct simulated session with one {@link Defect} laid over it; the device underneath stays correct. */
final class BrokenSession extends ForwardingDeviceSession {

    /** The number a stray data_fd shows: far above the simulator's own, so it stands out in evidence. */
    private static final int STRAY_FD = 999;

    private final Defect defect;

    BrokenSession(SimSession inner, Defect defect) throws VfioException {
        super(inner);
        this.defect = defect;
        if (defect == Defect.REINIT_WITHOUT_OPT_IN) {
            // The device behaves as if userspace had opted in: its PRECOPY_INFO says REINIT regardless.
            inner.enablePrecopyInfoV2();
        }
    }

    @Override
    public Optional<MigrationStream> setState(MigState target) throws VfioException {
        if (defect == Defect.STOP_COPY_TO_PRE_COPY_ACCEPTED && getState() == MigState.STOP_COPY
                && (target == MigState.PRE_COPY || target == MigState.PRE_COPY_P2P)) {
            super.setState(MigState.STOP);
            return super.setState(target).map(this::wrap);
        }
        Optional<MigrationStream> fd = super.setState(target).map(this::wrap);
        if (defect == Defect.DATA_FD_ON_WRONG_ARC && target == MigState.STOP && fd.isEmpty()) {
            return Optional.of(new StrayStream());
        }
        return fd;
    }

    private MigrationStream wrap(MigrationStream s) {
        return switch (defect) {
            case INITIAL_BYTES_GROWS, ENDLESS_STREAM, ENOMSG_IN_STOP_COPY, PRECOPY_FLAGS_ECHOED -> new BrokenStream(s);
            default -> s;
        };
    }

    @Override
    public long migDataSize() throws VfioException {
        long real = super.migDataSize();
        return defect == Defect.ESTIMATE_TOO_LOW ? real / 16 : real;
    }

    @Override
    public void reset() throws VfioException {
        super.reset();
        if (defect == Defect.RESET_LEAVES_STOP) {
            super.setState(MigState.STOP);
        }
    }

    /** A saving or resuming data_fd with the stream defects laid over it. */
    private final class BrokenStream implements MigrationStream {
        private final MigrationStream s;
        private long infoCalls;

        BrokenStream(MigrationStream s) {
            this.s = s;
        }

        @Override
        public int fd() {
            return s.fd();
        }

        @Override
        public int read(ByteBuffer dst) throws VfioException {
            int n = s.read(dst);
            if (n == 0 && defect == Defect.ENDLESS_STREAM && getState() == MigState.STOP_COPY) {
                int k = dst.remaining();
                dst.put(new byte[k]);
                return k;
            }
            // In PRE_COPY the device's quirk already made the temporary end ENOMSG: 0 is STOP_COPY's end.
            if (n == 0 && defect == Defect.ENOMSG_IN_STOP_COPY) {
                return MigrationStream.ENOMSG;
            }
            return n;
        }

        @Override
        public boolean poll(long timeoutMillis) throws VfioException {
            return s.poll(timeoutMillis);
        }

        @Override
        public int write(ByteBuffer src) throws VfioException {
            return s.write(src);
        }

        @Override
        public PrecopyInfo precopyInfo(int flagsIn) throws VfioException {
            PrecopyInfo i = s.precopyInfo(flagsIn);
            if (defect == Defect.PRECOPY_FLAGS_ECHOED) {
                return new PrecopyInfo(i.initialBytes(), i.dirtyBytes(), flagsIn);
            }
            if (defect == Defect.INITIAL_BYTES_GROWS) {
                infoCalls++;
                return new PrecopyInfo(i.initialBytes() + infoCalls * SimProfile.PAGE_BYTES, i.dirtyBytes());
            }
            return i;
        }

        @Override
        public long bytesTransferred() {
            return s.bytesTransferred();
        }

        @Override
        public void close() {
            s.close();
        }
    }

    /** The data_fd a DATA_FD_ON_WRONG_ARC driver hands out where none belongs: empty, and useless. */
    private final class StrayStream implements MigrationStream {
        private final int fd = STRAY_FD;

        @Override
        public int fd() {
            return fd;
        }

        @Override
        public int read(ByteBuffer dst) {
            return 0;
        }

        @Override
        public boolean poll(long timeoutMillis) {
            return false;
        }

        @Override
        public int write(ByteBuffer src) {
            return 0;
        }

        @Override
        public PrecopyInfo precopyInfo(int flagsIn) throws VfioException {
            throw new VfioException(VfioError.of(Errno.EINVAL, VfioCall.VFIO_MIG_GET_PRECOPY_INFO.text(), info().id(),
                    "this data_fd belongs to no saving session"));
        }

        @Override
        public long bytesTransferred() {
            return 0;
        }

        @Override
        public void close() {
            // Nothing behind it to close.
        }
    }
}
