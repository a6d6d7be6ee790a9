package io.jperf.perfmap;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NameStyleTest {
    @Test
    void defaultIsSlashClassDotMethod() {
        assertEquals("java/lang/String.format", NameStyle.DEFAULT.method(Fixtures.FORMAT));
    }

    @Test
    void everyOption() {
        NameStyle all = new NameStyle(true, true, false, true, true);
        assertEquals("java.lang.String.format(java.lang.String,java.lang.Object[])(String.java:4150)_[j]",
                all.blob(Fixtures.FORMAT_CODE));
        assertEquals("io.jperf.samples.Workloads.mix(long,int)(Workloads.java:65)_[i]",
                all.frame(Fixtures.MIX, 65, NameStyle.Kind.INLINED));
        assertEquals("io/jperf/samples/Workloads.mix_[0]",
                new NameStyle(false, false, false, false, true).frame(Fixtures.MIX, 0, NameStyle.Kind.INTERPRETED));
    }

    @Test
    void chainRunsFromTheCompiledMethodToTheInnermost() {
        NameStyle style = new NameStyle(false, false, true, true, true);
        assertEquals("io/jperf/samples/Workloads.hotLoop(Workloads.java:58)_[j]->"
                + "io/jperf/samples/Workloads.mix(Workloads.java:65)_[i]", style.chain(Fixtures.LOOP_CODE, 1));
    }

    @Test
    void neverASemicolon() {
        assertEquals("weird/Na:me.m:x", NameStyle.DEFAULT.blob(Fixtures.ODD_CODE));
        assertEquals("java/lang/String.format(java/lang/String,java/lang/Object[])",
                new NameStyle(false, true, false, false, false).method(Fixtures.FORMAT));
    }

    @Test
    void hiddenClassesKeepTheirSuffix() {
        assertEquals("app.Main$$Lambda.0x0000000800c03000.run",
                new NameStyle(true, false, false, false, false).method(Fixtures.LAMBDA));
    }
}
