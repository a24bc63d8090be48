package dev.migscope.testsupport;

/** The kernel the tests run on (in the rig: the guest's), for tests that assert each kernel's own answer. */
public final class RunningKernel {
    private RunningKernel() {
    }

    /** True when {@code os.version} is {@code major.minor} or later. */
    public static boolean atLeast(int major, int minor) {
        String[] v = System.getProperty("os.version").split("[.-]");
        int runningMajor = Integer.parseInt(v[0]);
        return runningMajor > major || runningMajor == major && Integer.parseInt(v[1]) >= minor;
    }
}
