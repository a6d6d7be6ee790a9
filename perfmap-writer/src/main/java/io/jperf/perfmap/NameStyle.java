package io.jperf.perfmap;

import io.jperf.jit.CodeBlob;
import io.jperf.jit.CompiledMethod;
import io.jperf.jit.GeneratedCode;
import io.jperf.jit.MethodRef;

/**
 * How Java code is named in perf maps and profiles. Defaults give {@code java/lang/String.hashCode}: slash class
 * names, no signature, one name per compiled method.
 *
 * @param dotted {@code java.lang.String.hashCode}
 * @param signatures parameter types, {@code java/lang/String.indexOf(int,int)}
 * @param unfold split compiled code where inlined methods run and name each piece by its chain,
 *               {@code outer->inlined->innermost}
 * @param lines source position, {@code java/lang/String.hashCode(String.java:1503)}
 * @param annotate frame-kind suffixes flamegraph.pl colours by: {@code _[j]} compiled, {@code _[i]} inlined
 */
public record NameStyle(boolean dotted, boolean signatures, boolean unfold, boolean lines, boolean annotate) {
    public static final NameStyle DEFAULT = new NameStyle(false, false, false, false, false);

    /** Frame kinds of Java code. */
    public enum Kind {
        COMPILED("_[j]"), INLINED("_[i]"), INTERPRETED("_[0]");

        final String suffix;

        Kind(String suffix) {
            this.suffix = suffix;
        }
    }

    /** {@code java/lang/String.hashCode}, with the signature when asked for. */
    public String method(MethodRef m) {
        StringBuilder sb = new StringBuilder(64);
        appendMethod(sb, m);
        return sb.toString();
    }

    /** A Java frame: method, source position at {@code line} (≤ 0: unknown) and kind, as this style asks. */
    public String frame(MethodRef m, int line, Kind kind) {
        StringBuilder sb = new StringBuilder(80);
        appendFrame(sb, m, line, kind);
        return sb.toString();
    }

    /** The name of a whole blob: the compiled method (at its first line), or the JVM's name of generated code. */
    public String blob(CodeBlob blob) {
        return appendBlob(new StringBuilder(80), blob).toString();
    }

    /** Appends {@link #blob}: writers that name thousands of blobs reuse one builder. */
    public StringBuilder appendBlob(StringBuilder sb, CodeBlob blob) {
        if (blob instanceof CompiledMethod) {
            MethodRef m = ((CompiledMethod) blob).method;
            appendFrame(sb, m, m.lineAt(0), Kind.COMPILED);
        } else {
            sb.append(clean(((GeneratedCode) blob).name));
        }
        return sb;
    }

    /**
     * The name of the code of scope {@code scope} of a compiled method: its inline chain from the compiled method
     * out to the innermost inlined one, joined by {@code ->}.
     */
    public String chain(CompiledMethod cm, int scope) {
        return appendChain(new StringBuilder(128), cm, scope).toString();
    }

    /** Appends {@link #chain}. */
    public StringBuilder appendChain(StringBuilder sb, CompiledMethod cm, int scope) {
        var table = cm.inlining;
        int depth = table.depth(scope);
        for (int level = depth - 1; level >= 0; level--) {
            if (level != depth - 1) {
                sb.append("->");
            }
            appendFrame(sb, table.method(scope, level), table.line(scope, level),
                    level == depth - 1 ? Kind.COMPILED : Kind.INLINED);
        }
        return sb;
    }

    private void appendFrame(StringBuilder sb, MethodRef m, int line, Kind kind) {
        appendMethod(sb, m);
        if (lines && m.sourceFile != null) {
            sb.append('(').append(clean(m.sourceFile));
            if (line > 0) {
                sb.append(':').append(line);
            }
            sb.append(')');
        }
        if (annotate) {
            sb.append(kind.suffix);
        }
    }

    private void appendMethod(StringBuilder sb, MethodRef m) {
        if (!m.className.isEmpty()) {
            String cls = clean(m.className);
            sb.append(dotted ? cls.replace('/', '.') : cls).append('.');
        }
        sb.append(clean(m.name));
        if (signatures) {
            appendParameters(sb, m.descriptor);
        }
    }

    /** {@code (I[Ljava/lang/String;)V} becomes {@code (int,java/lang/String[])}: no ';' may appear in a frame. */
    private void appendParameters(StringBuilder sb, String descriptor) {
        sb.append('(');
        int end = descriptor.indexOf(')');
        int i = descriptor.startsWith("(") ? 1 : 0;
        boolean first = true;
        while (i < end) {
            int dims = 0;
            while (descriptor.charAt(i) == '[') {
                dims++;
                i++;
            }
            if (!first) {
                sb.append(',');
            }
            first = false;
            char c = descriptor.charAt(i);
            if (c == 'L') {
                int semi = descriptor.indexOf(';', i);
                String type = descriptor.substring(i + 1, semi);
                sb.append(dotted ? type.replace('/', '.') : type);
                i = semi + 1;
            } else {
                sb.append(primitive(c));
                i++;
            }
            for (int d = 0; d < dims; d++) {
                sb.append("[]");
            }
        }
        sb.append(')');
    }

    private static String primitive(char c) {
        switch (c) {
            case 'Z': return "boolean";
            case 'B': return "byte";
            case 'C': return "char";
            case 'S': return "short";
            case 'I': return "int";
            case 'J': return "long";
            case 'F': return "float";
            case 'D': return "double";
            default: return String.valueOf(c);
        }
    }

    /** Frames are separated by ';' in collapsed stacks and lines end at a newline: neither may appear in a name. */
    static String clean(String name) {
        if (name.indexOf(';') < 0 && name.indexOf('\n') < 0) {
            return name;
        }
        return name.replace(';', ':').replace('\n', ' ');
    }
}
