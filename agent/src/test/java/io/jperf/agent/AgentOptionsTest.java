package io.jperf.agent;

import io.jperf.perfmap.NameStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentOptionsTest {
    @Test
    void flagsAndValues() throws Exception {
        AgentOptions o = AgentOptions.parse(" perfmap , jitdump,jitdumpdir=/var/tmp/x,dot,ann ");
        assertTrue(o.has("perfmap"));
        assertTrue(o.has("jitdump"));
        assertEquals(Path.of("/var/tmp/x"), o.jitdumpDir());
        assertEquals(new NameStyle(true, false, false, false, true), o.nameStyle());
    }

    @Test
    void emptyMeansNothingToDo() throws Exception {
        assertTrue(AgentOptions.parse(null).isEmpty());
        assertTrue(AgentOptions.parse("").isEmpty());
        assertTrue(AgentOptions.parse("perfmap,").has("perfmap"), "a trailing comma is harmless");
        assertNull(AgentOptions.parse("perfmap").jitdumpDir());
        assertFalse(AgentOptions.parse("perfmap").has("jitdump"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "perfmap,bogus|unknown option 'bogus' in 'perfmap,bogus'; known options: perfmap, jitdump, jitdumpdir=DIR, dot, sig, unfold, lines, ann, stats=FILE",
            "dot=3|option 'dot' takes no value (got 'dot=3')",
            "jitdumpdir|option 'jitdumpdir' needs a value: jitdumpdir=DIR",
            "jitdumpdir=|option 'jitdumpdir' needs a value: jitdumpdir=DIR",
            "=x|unknown option '' in '=x'; known options: perfmap, jitdump, jitdumpdir=DIR, dot, sig, unfold, lines, ann, stats=FILE"})
    void badOptionsExplainThemselves(String options, String message) {
        assertEquals(message, assertThrows(AgentOptions.BadOptionException.class,
                () -> AgentOptions.parse(options)).getMessage());
    }
}
