package io.jperf.agent;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.management.ObjectName;

/**
 * The MBean {@code io.jperf:type=Profiler} for JMX clients such as JConsole: the same actions as the agent options,
 * answered with text. A failure is an exception with jperf's one-line message.
 */
public final class Profiler implements ProfilerMBean {
    static final String NAME = "io.jperf:type=Profiler";

    static void register() throws Exception {
        ObjectName name = new ObjectName(NAME);
        var server = ManagementFactory.getPlatformMBeanServer();
        if (!server.isRegistered(name)) {
            server.registerMBean(new Profiler(), name);
        }
    }

    private static String run(String options) {
        List<String> notes = new ArrayList<>();
        Reply reply = Agent.request(options, notes);
        if (!reply.ok()) {
            throw new IllegalStateException(reply.error());
        }
        String text = new String(reply.payload(), StandardCharsets.UTF_8);
        notes.add(text);
        return String.join("\n", notes).strip();
    }

    @Override
    public String start(String options) {
        return run(options == null || options.isBlank() ? "start" : "start," + options);
    }

    @Override
    public String stop() {
        return run("stop");
    }

    @Override
    public String dump(String file) {
        return run(file == null || file.isBlank() ? "dump" : "dump,file=" + file);
    }

    @Override
    public String status() {
        return run("status");
    }
}
