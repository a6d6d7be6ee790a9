package io.jperf.hotspot;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Prologues and epilogues as HotSpot's JIT compilers emitted them on this machine (bytes copied from JDK 17 and
 * Temurin 25 code caches while sampling); '|' marks the sampled pc.
 */
class FrameEdgesTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // At push rbp, after the stack bang: the return address is on top.
        "at push, 898424 00c0feff|55 4883ec20 41817f2001000000, true, 8",
        // Between push rbp and sub rsp: under the saved rbp.
        "after push, 898424 00c0feff 55|4883ec20 41817f2001000000, true, 16",
        // After the sub (JDK 25's entry barrier follows): built.
        "at barrier, 898424 00c0feff 55 4883ec20|41817f2001000000 0f85, true, 0",
        // Temurin 25: sub rsp, then rbp stored into the frame: built once the sub is done.
        "sub then store, 4881ec18000000|48896c2410 41817f2001000000, true, 0",
        "at the bang, |898424 00c0feff 55 4883ec20, true, 8",
        // add rsp; pop rbp; cmp rsp, [r15+0x28]; ja; ret.
        "at add, 4c895c2428|4881c4a0000000 5d 493b6728 0f8700450000 c3, false, 0",
        "at pop, 4881c4a0000000|5d 493b6728 0f8700450000 c3, false, 16",
        "at poll, 4881c4a0000000 5d|493b6728 0f8700450000 c3, false, 8",
        "at ja after a disp8 poll, 4881c4a0000000 5d 493b6728|0f8700450000 c3, false, 8",
        "at ja after a disp32 poll, 4883c420 5d 493ba7b0030000|0f8700450000 c3, false, 8",
        "at ret, 5d 493b6728 0f8700450000|c3, false, 8",
        // The body: a ja that follows no poll is no edge.
        "in the body, 4839c1|0f8710000000 4889c8, false, 0"
    })
    void edgesOfCompiledFrames(String what, String hex, boolean prologue, int expected) {
        String compact = hex.replace(" ", "");
        int at = compact.indexOf('|') / 2;
        byte[] code = HexFormat.of().parseHex(compact.replace("|", ""));
        assertEquals(expected, FrameEdges.callerOffset(code, at, prologue), what);
    }
}
