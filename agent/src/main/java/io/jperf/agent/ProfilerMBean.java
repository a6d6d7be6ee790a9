package io.jperf.agent;

/** JMX operations of jperf: {@code start("event=cpu,interval=1ms,file=/tmp/p.html")}, stop, dump, status. */
public interface ProfilerMBean {
    /** Starts profiling with agent options (without the leading "start"); answers the status line. */
    String start(String options);

    /** Stops profiling and writes the file given at start. */
    String stop();

    /** Writes the profile so far to {@code file} (or the file given at start); profiling goes on. */
    String dump(String file);

    /** What jperf is doing in this JVM. */
    String status();
}
