package io.jperf.linux;

/** The processor architecture this JVM runs on, for the code that reads registers, frames and instructions. */
public final class Cpu {
    private static final String ARCH = System.getProperty("os.arch");
    public static final boolean X86_64 = "amd64".equals(ARCH) || "x86_64".equals(ARCH);
    public static final boolean AARCH64 = "aarch64".equals(ARCH);

    private Cpu() {
    }
}
