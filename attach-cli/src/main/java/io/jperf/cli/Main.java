package io.jperf.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The jperf command: perf's verbs for a JVM. */
@Command(name = "jperf", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Mixed Java/native profiling for Linux JVMs, with perf's verbs.",
        subcommands = {JvmsCommand.class, RecordCommand.class, StartCommand.class, StopCommand.class, DumpCommand.class,
                StatusCommand.class, PerfMapCommand.class, ReportCommand.class, ScriptCommand.class,
                FlameGraphCommand.class, ListCommand.class, StatCommand.class, TraceCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line; returns the exit status. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((e, a) -> {
            System.err.println("jperf: " + e.getMessage() + " (see: jperf "
                    + e.getCommandLine().getCommandName().replace("jperf", "").trim() + " --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, c, p) -> {
            System.err.println("jperf: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jperf " + (v == null ? "(development build)" : v)};
        }
    }
}
