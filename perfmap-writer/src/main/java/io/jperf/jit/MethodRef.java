package io.jperf.jit;

import java.util.Arrays;

/**
 * A resolved Java method: everything a frame name needs, as strings, so that no lookup ever touches the JVM again and
 * no Class is kept alive.
 */
public final class MethodRef {
    /** Class name in internal form ({@code java/lang/String}); hidden classes keep their {@code .0x...} suffix. */
    public final String className;
    public final String name;
    /** JVM method descriptor, e.g. {@code (I)Ljava/lang/String;}. */
    public final String descriptor;
    /** SourceFile attribute, or null. */
    public final String sourceFile;
    /** Null until someone needs lines: most perf maps do not, and the tables are a large part of jperf's memory. */
    private volatile LineTable lines;

    /** A method whose line table is not known (yet). */
    public MethodRef(String className, String name, String descriptor, String sourceFile) {
        this.className = className;
        this.name = name;
        this.descriptor = descriptor;
        this.sourceFile = sourceFile;
    }

    /**
     * @param lineTable pairs {startBci, line, ...} in any order
     */
    public MethodRef(String className, String name, String descriptor, String sourceFile, int[] lineTable) {
        this(className, name, descriptor, sourceFile);
        setLines(lineTable);
    }

    boolean hasLines() {
        return lines != null;
    }

    /** Sets the line table: pairs {startBci, line, ...} in any order. */
    void setLines(int[] lineTable) {
        lines = new LineTable(lineTable);
    }

    /** The source line of a bytecode index, or 0 when unknown. */
    public int lineAt(int bci) {
        LineTable t = lines;
        return t == null ? 0 : t.lineAt(bci);
    }

    /** Line numbers by start bci, sorted. */
    private static final class LineTable {
        private final int[] starts;
        private final int[] lines;

        LineTable(int[] pairs) {
            int n = pairs.length / 2;
            long[] sorted = new long[n];
            for (int i = 0; i < n; i++) {
                sorted[i] = ((long) pairs[2 * i] << 32) | (pairs[2 * i + 1] & 0xFFFF_FFFFL);
            }
            Arrays.sort(sorted);
            starts = new int[n];
            lines = new int[n];
            for (int i = 0; i < n; i++) {
                starts[i] = (int) (sorted[i] >> 32);
                lines[i] = (int) sorted[i];
            }
        }

        int lineAt(int bci) {
            int i = Arrays.binarySearch(starts, bci);
            if (i < 0) {
                i = -i - 2;
            }
            if (i < 0) {
                return lines.length == 0 ? 0 : lines[0];
            }
            return lines[i];
        }
    }

    /** The source path as javac lays sources out: package directory plus SourceFile, or null. */
    public String sourcePath() {
        if (sourceFile == null) {
            return null;
        }
        int slash = className.lastIndexOf('/');
        return slash < 0 ? sourceFile : className.substring(0, slash + 1) + sourceFile;
    }

    @Override
    public String toString() {
        return className + '.' + name + descriptor;
    }
}
