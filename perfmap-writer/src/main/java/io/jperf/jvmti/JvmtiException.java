package io.jperf.jvmti;

/** A JVMTI or JNI call that answered an error. */
public final class JvmtiException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int error;

    public JvmtiException(String message, int error) {
        super(message);
        this.error = error;
    }

    /** The jvmtiError (or JNI error) code, −1 when the failure was not a return code. */
    public int error() {
        return error;
    }
}
