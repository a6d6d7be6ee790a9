package io.jperf.agent;

import io.jperf.perfmap.NameStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

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

    @Test
    void intervalsAndDurations() throws Exception {
        assertEquals(1_000_000, AgentOptions.parse("start,interval=1ms").interval());
        assertEquals(250_000, AgentOptions.parse("start,interval=250us").interval());
        assertEquals(2_500_000_000L, AgentOptions.parse("start,interval=2.5s").interval());
        assertEquals(10_000, AgentOptions.parse("start,interval=10000").interval(), "plain: ns or a count");
        assertEquals(30_000_000_000L, AgentOptions.parse("start,duration=30").seconds("duration"), "plain: seconds");
        assertEquals(600_000_000_000L, AgentOptions.parse("start,loop=10m").seconds("loop"));
        assertEquals(99, AgentOptions.parse("start,freq=99").frequency());
        assertEquals(0, AgentOptions.parse("start").frequency());
    }

    @Test
    void stackCopySizes() throws Exception {
        assertEquals(16384, AgentOptions.parse("start").stackCopyBytes(), "default");
        assertEquals(32768, AgentOptions.parse("start,stackcopy=32k").stackCopyBytes());
        assertEquals(1008, AgentOptions.parse("start,stackcopy=1001").stackCopyBytes(), "rounded up to 8 bytes");
        assertEquals(65528, AgentOptions.parse("start,stackcopy=65528").stackCopyBytes());
        for (String bad : List.of("100", "64k", "70000", "abc", "-1k")) {
            var e = assertThrows(AgentOptions.BadOptionException.class,
                    () -> AgentOptions.parse("start,stackcopy=" + bad));
            assertEquals("bad stackcopy '" + bad + "': use 512 to 65528 bytes, or 1k to 63k", e.getMessage());
        }
    }

    @Test
    void stackModes() throws Exception {
        assertEquals("dwarf", AgentOptions.parse("start").cstack(false), "auto");
        assertEquals("dwarf", AgentOptions.parse("start,cstack=auto").cstack(false));
        assertEquals("fp", AgentOptions.parse("start,cstack=auto").cstack(true), "auto, every occurrence recorded");
        assertEquals("dwarf", AgentOptions.parse("start,cstack=dwarf").cstack(true));
        assertEquals("fp", AgentOptions.parse("start,cstack=fp").cstack(false));
    }

    @Test
    void repeatableFilters() throws Exception {
        AgentOptions o = AgentOptions.parse("start,include=java/util/*,include=*Deflater*,exclude=*Thread.run*");
        assertEquals(java.util.List.of("java/util/*", "*Deflater*"), o.all("include"));
        assertEquals(java.util.List.of("*Thread.run*"), o.all("exclude"));
        assertEquals(java.util.List.of(), AgentOptions.parse("start").all("include"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "perfmap,bogus|unknown option 'bogus' in 'perfmap,bogus'; known options: start, stop, dump, status, list, event=NAME, filter=EXPR, interval=TIME, freq=HZ, file=PATH, format=FORMAT, duration=TIME, timeout=TIME, threads, include=PATTERN, exclude=PATTERN, loop=TIME, rings=MODE, cstack=MODE, stackcopy=BYTES, stat, perthread, detailed, trace, summary, stack, control, jmx, send, perfmap, jitdump, nosymbols, jitdumpdir=DIR, dot, sig, unfold, lines, ann, stats=FILE",
            "dot=3|option 'dot' takes no value (got 'dot=3')",
            "jitdumpdir|option 'jitdumpdir' needs a value: jitdumpdir=DIR",
            "jitdumpdir=|option 'jitdumpdir' needs a value: jitdumpdir=DIR",
            "start,event=cycles-of-doom|unknown event 'cycles-of-doom'; events: cpu-clock, cpu, task-clock, page-faults, faults, context-switches, cs, cpu-migrations, migrations, minor-faults, major-faults, alignment-faults, emulation-faults, hardware events such as cycles, tracepoints SYSTEM:NAME, uprobe:PATH:SYMBOL[%return], kprobe:FUNCTION[%return] ('jperf list' shows them)",
            "start,interval=fast|bad interval 'fast': use a number with ns, us, ms, s, m or h (e.g. interval=1ms)",
            "start,interval=0|bad interval '0': it must be above zero",
            "start,interval=1ms,freq=99|give either interval= or freq=, not both",
            "start,freq=0|bad freq '0': use 1 to 100000 samples per second",
            "start,duration=soon|bad duration 'soon': use a number with ns, us, ms, s, m or h (e.g. duration=30s)",
            "start,cstack=lbr|bad cstack 'lbr': use auto, fp or dwarf",
            "start,cstack=vm|cstack=vm (jperf's own HotSpot frame walker) is not available yet: use cstack=dwarf (or auto)",
            "start,format=pdf|unknown format 'pdf'; formats: flamegraph (html), collapsed, report, data, script",
            "=x|unknown option '' in '=x'; known options: start, stop, dump, status, list, event=NAME, filter=EXPR, interval=TIME, freq=HZ, file=PATH, format=FORMAT, duration=TIME, timeout=TIME, threads, include=PATTERN, exclude=PATTERN, loop=TIME, rings=MODE, cstack=MODE, stackcopy=BYTES, stat, perthread, detailed, trace, summary, stack, control, jmx, send, perfmap, jitdump, nosymbols, jitdumpdir=DIR, dot, sig, unfold, lines, ann, stats=FILE"})
    void badOptionsExplainThemselves(String options, String message) {
        assertEquals(message, assertThrows(AgentOptions.BadOptionException.class,
                () -> AgentOptions.parse(options)).getMessage());
    }
}
