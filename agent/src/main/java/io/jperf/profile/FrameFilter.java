package io.jperf.profile;

import io.jperf.perfmap.NameStyle;
import io.jperf.stack.FrameTable;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code include}/{@code exclude}: a sample is kept when some frame matches an include pattern (if there are any) and
 * none matches an exclude pattern. Patterns match whole frame names; {@code *} matches anything, e.g.
 * {@code java/util/zip/*} or {@code *Deflater.deflate*}. Results are cached per frame.
 */
public final class FrameFilter {
    public static final FrameFilter NONE = new FrameFilter(List.of(), List.of());

    private final List<Pattern> include;
    private final List<Pattern> exclude;
    private final List<Byte> verdicts = new ArrayList<>();

    public FrameFilter(List<String> include, List<String> exclude) {
        this.include = compile(include);
        this.exclude = compile(exclude);
    }

    private static List<Pattern> compile(List<String> globs) {
        List<Pattern> patterns = new ArrayList<>();
        for (String glob : globs) {
            StringBuilder regex = new StringBuilder();
            for (String part : glob.split("\\*", -1)) {
                if (regex.length() > 0) {
                    regex.append(".*");
                }
                regex.append(Pattern.quote(part));
            }
            patterns.add(Pattern.compile(regex.toString()));
        }
        return patterns;
    }

    boolean accepts(int[] stack, int n, FrameTable frames, NameStyle style) {
        if (include.isEmpty() && exclude.isEmpty()) {
            return true;
        }
        boolean included = include.isEmpty();
        for (int i = 0; i < n; i++) {
            int v = verdict(stack[i], frames, style);
            if ((v & 2) != 0) {
                return false;
            }
            included |= (v & 1) != 0;
        }
        return included;
    }

    /** Bit 1: matches an include; bit 2: matches an exclude. */
    private int verdict(int frame, FrameTable frames, NameStyle style) {
        while (verdicts.size() <= frame) {
            verdicts.add((byte) -1);
        }
        byte v = verdicts.get(frame);
        if (v < 0) {
            String name = frames.name(frame, style);
            v = 0;
            for (Pattern p : include) {
                if (p.matcher(name).matches()) {
                    v |= 1;
                }
            }
            for (Pattern p : exclude) {
                if (p.matcher(name).matches()) {
                    v |= 2;
                }
            }
            verdicts.set(frame, v);
        }
        return v;
    }
}
