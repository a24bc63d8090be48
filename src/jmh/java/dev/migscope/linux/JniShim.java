package dev.migscope.linux;

/**
 * Benchmarks only: read(2) and ioctl(2) as plain JNI natives (benchmarks/c/jnishim.c, built by
 * benchmarks/run.sh), loaded from the path in the system property {@code migscope.jnishim}.
 * A negative result is -errno. It measures what the control path would cost without JNA's
 * generic dispatch; production binds through JNA ({@link LibC}).
 */
final class JniShim {

    static {
        String lib = System.getProperty("migscope.jnishim");
        if (lib == null) {
            throw new IllegalStateException("-Dmigscope.jnishim=PATH of the built benchmarks/c/jnishim.c is required");
        }
        System.load(lib);
    }

    private JniShim() {
    }

    static native long read(int fd, long buf, long count);

    static native int ioctl(int fd, long request, long arg);
}
