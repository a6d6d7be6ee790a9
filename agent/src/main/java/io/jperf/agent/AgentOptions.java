package io.jperf.agent;

import io.jperf.perfmap.NameStyle;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent's options: {@code action,key=value,...}, the one grammar shared by -javaagent, attach and the jperf
 * command. Flags take no value; keys take exactly one.
 */
public final class AgentOptions {
    /** Known options: name → value placeholder ("" for flags). Order is the order usage lists them. */
    private static final Map<String, String> KNOWN = new LinkedHashMap<>();

    static {
        KNOWN.put("perfmap", "");
        KNOWN.put("jitdump", "");
        KNOWN.put("jitdumpdir", "DIR");
        KNOWN.put("dot", "");
        KNOWN.put("sig", "");
        KNOWN.put("unfold", "");
        KNOWN.put("lines", "");
        KNOWN.put("ann", "");
        KNOWN.put("stats", "FILE");
    }

    private final Map<String, String> values;

    private AgentOptions(Map<String, String> values) {
        this.values = values;
    }

    /** Thrown for options that cannot be understood; the message is one jperf line. */
    public static final class BadOptionException extends Exception {
        private static final long serialVersionUID = 1L;

        BadOptionException(String message) {
            super(message);
        }
    }

    public static AgentOptions parse(String text) throws BadOptionException {
        Map<String, String> values = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return new AgentOptions(values);
        }
        for (String item : text.split(",", -1)) {
            String token = item.strip();
            if (token.isEmpty()) {
                continue;
            }
            int eq = token.indexOf('=');
            String key = eq < 0 ? token : token.substring(0, eq).strip();
            String value = eq < 0 ? null : token.substring(eq + 1).strip();
            String placeholder = KNOWN.get(key);
            if (placeholder == null) {
                throw new BadOptionException("unknown option '" + key + "' in '" + text + "'; known options: "
                        + usage());
            }
            if (placeholder.isEmpty() && value != null) {
                throw new BadOptionException("option '" + key + "' takes no value (got '" + token + "')");
            }
            if (!placeholder.isEmpty() && (value == null || value.isEmpty())) {
                throw new BadOptionException("option '" + key + "' needs a value: " + key + "=" + placeholder);
            }
            values.put(key, value == null ? "" : value);
        }
        return new AgentOptions(values);
    }

    static String usage() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : KNOWN.entrySet()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(e.getKey());
            if (!e.getValue().isEmpty()) {
                sb.append('=').append(e.getValue());
            }
        }
        return sb.toString();
    }

    public boolean has(String flag) {
        return values.containsKey(flag);
    }

    public String get(String key) {
        return values.get(key);
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    public NameStyle nameStyle() {
        return new NameStyle(has("dot"), has("sig"), has("unfold"), has("lines"), has("ann"));
    }

    /** Where to write JIT-symbol statistics when the JVM exits; null for nowhere. */
    public Path statsFile() {
        String file = get("stats");
        return file == null ? null : Path.of(file);
    }

    /** Where to write the jitdump; null for perf's default location. */
    public Path jitdumpDir() {
        String dir = get("jitdumpdir");
        return dir == null ? null : Path.of(dir);
    }
}
