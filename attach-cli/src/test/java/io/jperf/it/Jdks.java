package io.jperf.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The JDKs integration tests start targets with: {@code -Djperf.test.jdks=HOME,HOME}, by default the JDK running
 * the tests and Temurin 25 when it is installed.
 */
public final class Jdks {
    private static final Path TEMURIN_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

    private Jdks() {
    }

    public static List<Jdk> all() {
        Set<Path> homes = new LinkedHashSet<>();
        String configured = System.getProperty("jperf.test.jdks", "");
        if (!configured.isBlank()) {
            for (String h : configured.split(",")) {
                homes.add(Path.of(h.trim()));
            }
        } else {
            homes.add(Path.of(System.getProperty("java.home")));
            if (Files.isExecutable(TEMURIN_25.resolve("bin/java"))) {
                homes.add(TEMURIN_25);
            }
        }
        List<Jdk> jdks = new ArrayList<>();
        for (Path h : homes) {
            jdks.add(new Jdk(h));
        }
        return jdks;
    }

    /** The JDK the tests themselves run on. */
    public static Jdk current() {
        return new Jdk(Path.of(System.getProperty("java.home")));
    }

    /** One JDK home. */
    public record Jdk(Path home) {
        public Path java() {
            return home.resolve("bin/java");
        }

        public Path jcmd() {
            return home.resolve("bin/jcmd");
        }

        public int feature() {
            try {
                for (String line : Files.readAllLines(home.resolve("release"))) {
                    if (line.startsWith("JAVA_VERSION=")) {
                        String v = line.substring(line.indexOf('"') + 1);
                        int dot = v.indexOf('.');
                        return Integer.parseInt(dot < 0 ? v.replace("\"", "") : v.substring(0, dot));
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException("cannot read the version of " + home, e);
            }
            throw new IllegalStateException("no JAVA_VERSION in " + home + "/release");
        }

        @Override
        public String toString() {
            return "jdk" + feature();
        }
    }
}
