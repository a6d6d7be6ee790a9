package io.jperf.samples;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * An application with its own JNA on the class path, calling into libc through it until the deadline: it must keep
 * working while the jperf agent, with its own JNA, runs in the same JVM.
 */
final class AppJna {
    private AppJna() {
    }

    /** The application's binding. */
    public interface C extends Library {
        int getpid();
    }

    static void run(long deadline) throws InterruptedException {
        C c = Native.load("c", C.class);
        long calls = 0;
        long pid = ProcessHandle.current().pid();
        while (System.nanoTime() < deadline) {
            if (c.getpid() != pid) {
                throw new IllegalStateException("getpid through the application's JNA returned the wrong pid");
            }
            calls++;
            Thread.sleep(1);
        }
        System.out.println("jna: application JNA " + Native.VERSION + " from "
                + Native.class.getProtectionDomain().getCodeSource().getLocation() + ", " + calls + " calls ok");
    }
}
