package io.jperf.agent;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * jperf's voice inside the application: one line on stderr per problem, each starting {@code jperf: }, said once.
 * README's troubleshooting section is keyed by these lines.
 */
public final class Log {
    private static final int MAX_DISTINCT = 1000;
    private static final Set<String> SAID = ConcurrentHashMap.newKeySet();

    private Log() {
    }

    /** While a control client waits on this thread, what jperf says goes to it (and not to the application). */
    private static final ThreadLocal<List<String>> CLIENT = new ThreadLocal<>();

    /** Says a line unless the same line was said before. */
    public static void say(String message) {
        List<String> client = CLIENT.get();
        if (client != null) {
            client.add(message);
        } else if (SAID.size() < MAX_DISTINCT && SAID.add(message)) {
            System.err.println("jperf: " + message);
        }
    }

    /** Sends what this thread says to {@code notes} until {@link #toApplication()}. */
    static void toClient(List<String> notes) {
        CLIENT.set(notes);
    }

    static void toApplication() {
        CLIENT.remove();
    }
}
