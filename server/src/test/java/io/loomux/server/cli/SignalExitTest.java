package io.loomux.server.cli;

import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * The command line as a program: each server command started as a child JVM (the JDK running
 * the tests, this test's class path), stopped by SIGTERM ({@link Process#destroy()}), and its
 * exit status checked against what {@code loomux --help} promises.
 */
public class SignalExitTest {

    /** How long the child may take to start, and to stop after the signal. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    @DataProvider(name = "servers")
    public static Object[][] servers() throws IOException {
        Path dir = Files.createTempDirectory("loomux-signal");
        dir.toFile().deleteOnExit();
        return new Object[][] {
            {List.of("echo", "--port", "0", "--bind", "127.0.0.1"), "loomux echo server on", "loomux echo: shut down"},
            {List.of("hello", "-p", "0", "-b", "127.0.0.1"), "hello server on", "loomux hello: stopped"},
            {List.of("serve", dir.toString(), "-p", "0", "-b", "127.0.0.1"), "Serving ", "loomux serve: stopped"},
        };
    }

    @Test(dataProvider = "servers", timeOut = 90_000)
    public void sigtermAfterAGracefulStopExitsWithStatusZero(List<String> args, String started, String stopped)
            throws Exception {
        try (Child child = Child.start(args)) {
            await().atMost(WAIT).alias("the child says it listens").until(() -> child.out().contains(started));
            int status = child.terminate();
            assertTrue(child.out().contains(stopped), "no '" + stopped + "' in: " + child.out() + child.err());
            assertEquals(status, Main.OK, "exit status after SIGTERM; stderr: " + child.err());
        }
    }

    /** A {@code loomux} command in a child JVM, its output in files. */
    static final class Child implements AutoCloseable {
        private final Process process;
        private final Path out;
        private final Path err;

        private Child(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        /** Starts {@code loomux ARGS} as {@code java -cp (this test's paths) io.loomux.server.cli.Main ARGS}. */
        static Child start(List<String> args) throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("--enable-native-access=ALL-UNNAMED");
            command.add("-cp");
            command.add(classPath());
            command.add(Main.class.getName());
            command.addAll(args);
            Path out = Files.createTempFile("loomux-child", ".out");
            Path err = Files.createTempFile("loomux-child", ".err");
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            return new Child(p, out, err);
        }

        /** The test's module path (where surefire puts the modules under test) and class path, as one class path. */
        private static String classPath() {
            List<String> parts = new ArrayList<>();
            for (String property : List.of("jdk.module.path", "java.class.path")) {
                String v = System.getProperty(property);
                if (v != null && !v.isBlank()) {
                    parts.add(v);
                }
            }
            return String.join(File.pathSeparator, parts);
        }

        String out() throws IOException {
            return Files.readString(out, StandardCharsets.UTF_8);
        }

        String err() throws IOException {
            return Files.readString(err, StandardCharsets.UTF_8);
        }

        /**
         * Sends SIGTERM and waits for the child to end.
         *
         * @return its exit status
         */
        int terminate() throws InterruptedException {
            process.destroy();
            assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "the child did not end after SIGTERM");
            return process.exitValue();
        }

        @Override
        public void close() throws IOException {
            process.destroyForcibly();
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
