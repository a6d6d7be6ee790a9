package io.jperf.agent;

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

    /** Says a line unless the same line was said before. */
    public static void say(String message) {
        if (SAID.size() < MAX_DISTINCT && SAID.add(message)) {
            System.err.println("jperf: " + message);
        }
    }
}
