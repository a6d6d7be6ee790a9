package io.jperf.agent;

import java.lang.instrument.Instrumentation;

/**
 * The agent inside the target JVM, loaded by {@link Bootstrap} into the isolated loader. Entered at start-up
 * (premain) and at every attach (agentmain) with an option string; never lets an exception reach the application.
 */
public final class Agent {
    private static JitSymbols symbols;

    private Agent() {
    }

    public static void premain(String args, Instrumentation inst) {
        run(args, inst);
    }

    public static void agentmain(String args, Instrumentation inst) {
        run(args, inst);
    }

    private static synchronized void run(String args, Instrumentation inst) {
        try {
            AgentOptions options = AgentOptions.parse(args);
            if (options.has("perfmap") || options.has("jitdump")) {
                if (symbols == null) {
                    symbols = JitSymbols.start(inst, options);
                } else {
                    symbols.reconfigure(options);
                }
            }
        } catch (AgentOptions.BadOptionException e) {
            Log.say(e.getMessage());
        } catch (Throwable t) {
            Log.say("agent failed: " + (t.getMessage() == null ? t.toString() : t.getMessage()));
        }
    }
}
