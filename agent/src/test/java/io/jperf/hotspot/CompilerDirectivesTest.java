package io.jperf.hotspot;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CompilerDirectivesTest {
    @Test
    void oneDirectiveMatchesEveryClassOfThePackages() {
        assertEquals("[{ match: [\"io/jperf/agent/*.*\", \"io/jperf/perf/*.*\"], c2: { Exclude: true } }]",
                CompilerDirectives.directive(List.of("io.jperf.perf", "io.jperf.agent")));
    }
}
