package io.jperf.stack;

import io.jperf.jit.MethodRef;
import io.jperf.perfmap.NameStyle;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Frames by id: interned from the symbol objects that name them (a {@link MethodRef}, a native symbol, a kernel or
 * stub name), so that resolving a sample compares references and builds no strings. Names are made on output.
 * Appended to by one thread; {@link #view()} gives others a consistent copy.
 */
public final class FrameTable {
    private final List<FrameKind> kinds = new ArrayList<>();
    private final List<Object> keys = new ArrayList<>();
    private final List<Integer> lines = new ArrayList<>();
    private final Map<Key, Integer> index = new HashMap<>();

    private record Key(FrameKind kind, Object symbol, int line) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.kind == kind && k.symbol == symbol && k.line == line;
        }

        @Override
        public int hashCode() {
            return (System.identityHashCode(symbol) * 31 + kind.ordinal()) * 31 + line;
        }
    }

    /** The id of a frame; {@code symbol} is compared by identity (strings must be interned by the caller). */
    public synchronized int intern(FrameKind kind, Object symbol, int line) {
        Key key = new Key(kind, symbol, line);
        Integer id = index.get(key);
        if (id == null) {
            id = kinds.size();
            kinds.add(kind);
            keys.add(symbol);
            lines.add(line);
            index.put(key, id);
        }
        return id;
    }

    public synchronized int size() {
        return kinds.size();
    }

    /** A copy for output: names for every frame so far. */
    public synchronized View view() {
        return new View(kinds.toArray(new FrameKind[0]), keys.toArray(), lines.stream().mapToInt(i -> i).toArray());
    }

    /** The name of one frame (see {@link View#name}). */
    public synchronized String name(int id, NameStyle style) {
        return render(kinds.get(id), keys.get(id), lines.get(id), style);
    }

    /** Frames as they were when the view was taken. */
    public static final class View {
        private final FrameKind[] kinds;
        private final Object[] keys;
        private final int[] lines;

        View(FrameKind[] kinds, Object[] keys, int[] lines) {
            this.kinds = kinds;
            this.keys = keys;
            this.lines = lines;
        }

        /** Frames read back from a data file: names already made, shown as they are. */
        public static View ofNames(FrameKind[] kinds, String[] names) {
            Object[] keys = new Object[names.length];
            for (int i = 0; i < names.length; i++) {
                keys[i] = new Rendered(names[i]);
            }
            return new View(kinds, keys, new int[names.length]);
        }

        public int size() {
            return kinds.length;
        }

        public FrameKind kind(int id) {
            return kinds[id];
        }

        /** The frame's name with its kind suffix, Java frames named by {@code style}. */
        public String name(int id, NameStyle style) {
            return render(kinds[id], keys[id], lines[id], style);
        }
    }

    /** A name made when the profile was recorded. */
    private record Rendered(String name) {
    }

    private static String render(FrameKind kind, Object key, int line, NameStyle style) {
        if (key instanceof Rendered) {
            return ((Rendered) key).name;
        }
        if (key instanceof MethodRef) {
            NameStyle.Kind javaKind = kind == FrameKind.INLINED ? NameStyle.Kind.INLINED
                    : kind == FrameKind.INTERPRETED ? NameStyle.Kind.INTERPRETED : NameStyle.Kind.COMPILED;
            return style.frame((MethodRef) key, line, javaKind);
        }
        return clean(key.toString()) + kind.suffix;
    }

    /** No ';' (frame separator in collapsed stacks) and no line breaks inside a name. */
    static String clean(String name) {
        return name.indexOf(';') < 0 && name.indexOf('\n') < 0 ? name : name.replace(';', ':').replace('\n', ' ');
    }
}
