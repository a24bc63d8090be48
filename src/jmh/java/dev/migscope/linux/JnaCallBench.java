package dev.migscope.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The floor of the control path on the host, where no vfio device exists: one cheap syscall
 * through {@link LibC} (JNA direct mapping with LastErrorException, as every ioctl of the backend
 * is made), against benchmarks/c/syscall.c making the same syscall from C. The syscall is
 * read(2) of 8 bytes from /dev/zero, about as cheap in the kernel as GET MIG_DEVICE_STATE on
 * mtty. Variants, each the same read(2) of the same fd into the same buffer:
 * <ul>
 * <li>{@code plain}: JNA direct, {@code Pointer} argument, without LastErrorException;
 * <li>{@code addr}: JNA direct, primitives only ({@code long} address), with LastErrorException;
 * <li>{@code addrPlain}: JNA direct, primitives only, no LastErrorException (errno would be
 *     {@code Native.getLastError()} after a -1);
 * <li>{@code jni}: a plain JNI native ({@link JniShim}, benchmarks only), errno in-band: the
 *     cost without JNA's dispatch.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class JnaCallBench {

    /** read(2) bound without errno capture. */
    static final class Plain {
        static {
            Native.register(Plain.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }

        static native long read(int fd, Pointer buf, long count);
    }

    /** read(2) with primitive arguments only, errno captured. */
    static final class Addr {
        static {
            Native.register(Addr.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }

        static native long read(int fd, long buf, long count) throws LastErrorException;
    }

    /** read(2) with primitive arguments only, no errno capture. */
    static final class AddrPlain {
        static {
            Native.register(AddrPlain.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }

        static native long read(int fd, long buf, long count);
    }

    int fd;
    Memory buf;
    long address;

    @Setup
    public void open() {
        fd = LibC.open("/dev/zero", Uapi.O_CLOEXEC);
        buf = new Memory(8);
        address = Pointer.nativeValue(buf);
    }

    @TearDown
    public void close() {
        LibC.closeQuietly(fd);
    }

    @Benchmark
    public long libc() {
        return LibC.read(fd, buf, 8);
    }

    @Benchmark
    public long plain() {
        return Plain.read(fd, buf, 8);
    }

    @Benchmark
    public long addr() {
        return Addr.read(fd, address, 8);
    }

    @Benchmark
    public long addrPlain() {
        long n = AddrPlain.read(fd, address, 8);
        return n < 0 ? -Native.getLastError() : n;
    }

    @Benchmark
    public long jni() {
        return JniShim.read(fd, address, 8);
    }
}
