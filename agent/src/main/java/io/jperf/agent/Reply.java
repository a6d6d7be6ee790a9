package io.jperf.agent;

import java.nio.charset.StandardCharsets;

/**
 * What an action answers a control client: success with text or bytes (a profile), or failure with the one line
 * that explains it.
 */
record Reply(boolean ok, String error, byte[] payload) {
    static Reply ok(String text) {
        return new Reply(true, null, text.getBytes(StandardCharsets.UTF_8));
    }

    static Reply bytes(byte[] payload) {
        return new Reply(true, null, payload);
    }

    static Reply error(String message) {
        return new Reply(false, message, new byte[0]);
    }
}
