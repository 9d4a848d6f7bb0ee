package io.loomux.docs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command these tests run to its end, as a user would run it: in a directory of its own, with
 * the JDK running the tests as {@code JAVA_HOME} (the machine's default may be older than 21),
 * its output kept in a file there, and its wait bounded.
 */
final class ChildProcess {

    /**
     * What a command did.
     *
     * @param command what ran
     * @param exitCode its exit status
     * @param output everything it printed, standard error included
     */
    record Result(List<String> command, int exitCode, String output) {

        /** @return this, after checking that the command succeeded; else fails with its output */
        Result requireSuccess(String what) {
            if (exitCode != 0) {
                throw new AssertionError(what + ": " + String.join(" ", command) + " exited with " + exitCode
                        + "; its output:\n" + output);
            }
            return this;
        }
    }

    private ChildProcess() {
    }

    /**
     * Runs {@code command} in {@code dir} and waits for it.
     *
     * @throws AssertionError when it does not end within {@code bound} (it is then killed)
     */
    static Result run(Path dir, Duration bound, List<String> command) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, "child-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // The options of the Maven running these tests are not the child's.
        builder.environment().remove("MAVEN_OPTS");
        Process process = builder.start();
        if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", command) + " in " + dir + " did not end within " + bound
                    + "; its output so far:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Result(command, process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** @return the {@code java} of the JDK running these tests */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
