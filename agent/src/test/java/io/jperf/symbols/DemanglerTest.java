package io.jperf.symbols;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DemanglerTest {
    /** 300 function names of Debian's libjvm.so with what {@code c++filt -p} makes of them. */
    @Test
    void agreesWithCxxFiltOnLibjvm() throws Exception {
        List<String> wrong = new ArrayList<>();
        List<String> lines = Files.readAllLines(Path.of("src/test/resources/golden/demangle-libjvm.tsv"));
        for (String line : lines) {
            String[] f = line.split("\t");
            String got = Demangler.demangle(f[0]);
            if (!got.equals(f[1])) {
                wrong.add(f[0] + "\n  got      " + got + "\n  c++filt  " + f[1]);
            }
        }
        assertEquals(List.of(), wrong, wrong.size() + " of " + lines.size() + " differ");
    }

    @Test
    void commonShapes() {
        assertEquals("JavaCalls::call_helper",
                Demangler.demangle("_ZN9JavaCalls11call_helperEP9JavaValueRK12methodHandleP17JavaCallArgumentsP10JavaThread"));
        assertEquals("std::vector<int, std::allocator<int> >::push_back",
                Demangler.demangle("_ZNSt6vectorIiSaIiEE9push_backERKi"));
        assertEquals("Foo::~Foo", Demangler.demangle("_ZN3FooD1Ev"));
        assertEquals("Foo::Foo", Demangler.demangle("_ZN3FooC2Ev"));
        assertEquals("Foo::operator==", Demangler.demangle("_ZNK3FooeqERKS_"));
        assertEquals("(anonymous namespace)::helper", Demangler.demangle("_ZN12_GLOBAL__N_16helperEv"));
        assertEquals("compute", Demangler.demangle("_ZL7computei.cold"));
    }

    @Test
    void whatItCannotReadComesBackUnchanged() {
        assertEquals("main", Demangler.demangle("main"));
        assertEquals("_Zgarbage", Demangler.demangle("_Zgarbage"));
        assertEquals("_ZN3Foo", Demangler.demangle("_ZN3Foo"));
        String expression = "_ZN16SortedLinkedListI10MallocSiteXadL_Z19compare_malloc_siteRKS0_S2_EEE3addEv";
        assertEquals(expression, Demangler.demangle(expression));
    }

    @Test
    void namesNestedTooDeepForTheStackComeBackUnchanged() throws Exception {
        StringBuilder b = new StringBuilder("_Z1fI");
        for (int i = 0; i < 100_000; i++) {
            b.append("1aI");
        }
        String deep = b.toString();
        String[] result = new String[1];
        Throwable[] thrown = new Throwable[1];
        // A small stack, so that the depth overflows it whatever the JVM's default.
        Thread t = new Thread(null, () -> {
            try {
                result[0] = Demangler.demangle(deep);
            } catch (Throwable e) {
                thrown[0] = e;
            }
        }, "deep", 256 * 1024);
        t.start();
        t.join();
        assertEquals(null, thrown[0]);
        assertEquals(deep, result[0]);
    }
}
