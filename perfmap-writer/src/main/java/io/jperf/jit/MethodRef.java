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
    private final int[] lineStarts;
    private final int[] lines;

    /**
     * @param lineTable pairs {startBci, line, ...} in any order
     */
    public MethodRef(String className, String name, String descriptor, String sourceFile, int[] lineTable) {
        this.className = className;
        this.name = name;
        this.descriptor = descriptor;
        this.sourceFile = sourceFile;
        int n = lineTable.length / 2;
        long[] sorted = new long[n];
        for (int i = 0; i < n; i++) {
            sorted[i] = ((long) lineTable[2 * i] << 32) | (lineTable[2 * i + 1] & 0xFFFF_FFFFL);
        }
        Arrays.sort(sorted);
        lineStarts = new int[n];
        lines = new int[n];
        for (int i = 0; i < n; i++) {
            lineStarts[i] = (int) (sorted[i] >> 32);
            lines[i] = (int) sorted[i];
        }
    }

    /** The source line of a bytecode index, or 0 when the method has no line table. */
    public int lineAt(int bci) {
        int i = Arrays.binarySearch(lineStarts, bci);
        if (i < 0) {
            i = -i - 2;
        }
        if (i < 0) {
            return lines.length == 0 ? 0 : lines[0];
        }
        return lines[i];
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
