package io.jperf.hotspot;

import io.jperf.linux.Libc;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * HotSpot's compiler directives, added in-process through the diagnostic command jcmd runs
 * ({@code Compiler.directives_add}). The command's entry point is internal to the jdk.management module, which jperf
 * opens to itself with the agent's {@link Instrumentation}; the platform MBean server would reach it too but costs
 * ten times the start-up (200–300 ms) and keeps its MBeans for the life of the JVM.
 */
public final class CompilerDirectives {
    private static final String DCMD_PACKAGE = "com.sun.management.internal";

    private CompilerDirectives() {
    }

    /**
     * Keeps C2 off the classes of {@code packages}; C1 still compiles them. jperf's code is a profiler's: with C2,
     * compiling it cost more CPU than running it (about 1 s of C2 threads in a 15 s profile at 99 Hz, against 0.2 s for
     * the reader) and the compiler's arenas tens of MiB, all taken from the application.
     *
     * @return null when the directive is in place, else why not
     */
    public static String keepOffC2(Instrumentation inst, Collection<String> packages) {
        try {
            Method run = diagnosticCommand(inst);
            if (run == null) {
                return "this JVM has no diagnostic commands";
            }
            Method get = run.getDeclaringClass().getDeclaredMethod("getDiagnosticCommandMBean");
            get.setAccessible(true);
            Object impl = get.invoke(null);
            if (impl == null) {
                return "this JVM does not run diagnostic commands in-process";
            }
            // Without tiered compilation C2 is the only compiler: excluded from it, jperf would stay interpreted.
            String flags = String.valueOf(run.invoke(impl, "VM.flags"));
            if (flags.contains("-XX:-TieredCompilation")) {
                return "tiered compilation is off";
            }
            // The command reads a file: an anonymous one, so nothing is left in /tmp and no name can be raced.
            int fd = Libc.memfd_create("jperf-directives", Libc.MFD_CLOEXEC);
            try {
                byte[] text = directive(packages).getBytes(StandardCharsets.UTF_8);
                if (Libc.write(fd, text, text.length) != text.length) {
                    return "could not write the directives file";
                }
                String answer = String.valueOf(run.invoke(impl, "Compiler.directives_add /proc/self/fd/" + fd))
                        .strip();
                return answer.startsWith("1 compiler directives added") ? null : answer;
            } finally {
                Libc.close(fd);
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return cause.getMessage() != null ? cause.getMessage() : cause.toString();
        }
    }

    /** One directive for every class of the packages: C2 excluded, everything else as the JVM has it. */
    static String directive(Collection<String> packages) {
        String[] sorted = packages.toArray(new String[0]);
        Arrays.sort(sorted);
        StringBuilder text = new StringBuilder("[{ match: [");
        for (int i = 0; i < sorted.length; i++) {
            text.append(i == 0 ? "\"" : ", \"").append(sorted[i].replace('.', '/')).append("/*.*\"");
        }
        return text.append("], c2: { Exclude: true } }]").toString();
    }

    /** DiagnosticCommandImpl.executeDiagnosticCommand(String), opened to jperf; null when the JVM lacks it. */
    private static Method diagnosticCommand(Instrumentation inst) throws ReflectiveOperationException {
        Module management = ModuleLayer.boot().findModule("jdk.management").orElse(null);
        if (management == null || !management.getPackages().contains(DCMD_PACKAGE)) {
            return null;
        }
        Module self = CompilerDirectives.class.getModule();
        if (!management.isOpen(DCMD_PACKAGE, self)) {
            inst.redefineModule(management, Set.of(), Map.of(), Map.of(DCMD_PACKAGE, Set.of(self)), Set.of(),
                    Map.of());
        }
        ClassLoader platform = ClassLoader.getPlatformClassLoader();
        // Its static initialiser loads the native library the command's JNI method lives in.
        Class.forName(DCMD_PACKAGE + ".PlatformMBeanProviderImpl", true, platform);
        Class<?> impl = Class.forName(DCMD_PACKAGE + ".DiagnosticCommandImpl", true, platform);
        Method run = impl.getDeclaredMethod("executeDiagnosticCommand", String.class);
        run.setAccessible(true);
        return run;
    }
}
