package io.jperf.output;

import io.jperf.jit.MethodRef;
import io.jperf.perfmap.NameStyle;
import io.jperf.profile.CallTree;
import io.jperf.profile.Profile;
import io.jperf.profile.SampleLog;
import io.jperf.stack.FrameKind;
import io.jperf.stack.FrameTable;

import java.util.LinkedHashMap;
import java.util.Map;

/** A small profile with every kind of frame, two threads, and its samples kept one by one. */
public final class ProfileFixture {
    public static final NameStyle STYLE = new NameStyle(false, false, false, false, true);

    private ProfileFixture() {
    }

    public static Profile profile() {
        FrameTable frames = new FrameTable();
        MethodRef run = new MethodRef("app/Worker", "run", "()V", "Worker.java", new int[] {0, 10});
        MethodRef loop = new MethodRef("app/Worker", "loop", "(J)J", "Worker.java", new int[] {0, 20});
        MethodRef mix = new MethodRef("app/Worker", "mix", "(JI)J", "Worker.java", new int[] {0, 30});
        MethodRef write = new MethodRef("java/io/FileOutputStream", "writeBytes", "([BIIZ)V", "FileOutputStream.java",
                new int[] {0, 349});
        int main = frames.intern(FrameKind.THREAD, "[main tid=100]", 0);
        int worker = frames.intern(FrameKind.THREAD, "[worker;1 tid=101]", 0);
        int stub = frames.intern(FrameKind.STUB, "call_stub", 0);
        int interpreted = frames.intern(FrameKind.INTERPRETED, "[interpreted]", 0);
        int fRun = frames.intern(FrameKind.COMPILED, run, 0);
        int fLoop = frames.intern(FrameKind.COMPILED, loop, 0);
        int fMix = frames.intern(FrameKind.INLINED, mix, 0);
        int fWrite = frames.intern(FrameKind.COMPILED, write, 0);
        int libc = frames.intern(FrameKind.NATIVE, "__write", 0);
        int kernel = frames.intern(FrameKind.KERNEL, "vfs_write", 0);
        int unknown = frames.intern(FrameKind.UNKNOWN, "[unknown]", 0);
        CallTree tree = new CallTree();
        SampleLog log = new SampleLog(100);
        long time = 1_000_000_000L;
        int[][] stacks = {
            {worker, stub, interpreted, fRun, fLoop, fMix},
            {worker, stub, interpreted, fRun, fLoop, fMix},
            {worker, stub, interpreted, fRun, fLoop, fMix},
            {worker, stub, interpreted, fRun, fLoop},
            {worker, stub, interpreted, fRun, fWrite, libc, kernel},
            {worker, stub, interpreted, fRun, fWrite, libc},
            {main, stub, interpreted, fRun, fLoop, fMix},
            {main, unknown},
        };
        int[] tids = {101, 101, 101, 101, 101, 101, 100, 100};
        for (int i = 0; i < stacks.length; i++) {
            int node = 0;
            for (int f : stacks[i]) {
                node = tree.child(node, f);
            }
            tree.add(node, 1, 10_000_000L);
            log.add(time + i * 10_000_000L, tids[i], node, 10_000_000L);
        }
        Map<String, String> info = new LinkedHashMap<>();
        info.put("event", "cpu-clock");
        info.put("interval", "10 ms");
        info.put("lost", "0");
        return new Profile(frames.view(), tree, log, info);
    }
}
