package io.jperf.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Compares output with a file under src/test/resources/golden of the module under test. After an intended change of format, regenerate with
 * {@code mvn test -Djperf.golden.update=true} and review the diff.
 */
public final class Golden {
    private static final Path DIR = Path.of("src/test/resources/golden");

    private Golden() {
    }

    public static void assertMatches(String name, String actual) throws IOException {
        Path file = DIR.resolve(name);
        if (Boolean.getBoolean("jperf.golden.update")) {
            Files.createDirectories(DIR);
            Files.writeString(file, actual);
        }
        assertEquals(Files.readString(file), actual, "differs from " + file);
    }
}
