package io.loomux.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertTrue;

/**
 * A {@code loomux} command in a child JVM, as a user runs it: the JDK running the tests, this
 * test's class path, its standard output and error in files the test reads.
 */
final class CliChild implements AutoCloseable {

    /** How long the child may take to stop after the signal. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Process process;
    private final Path out;
    private final Path err;

    private CliChild(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** Starts {@code loomux ARGS} as {@code java -cp (this test's paths) io.loomux.cli.Main ARGS}. */
    static CliChild start(List<String> args) throws IOException {
        return start(List.of(), args, Map.of());
    }

    /**
     * Starts {@code loomux ARGS} with more Java options and environment variables.
     *
     * @param javaOptions options for the child's JVM, such as {@code -Djava.io.tmpdir=DIR}
     * @param args        the command line
     * @param env         variables added to the child's environment
     */
    static CliChild start(List<String> javaOptions, List<String> args, Map<String, String> env) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(javaOptions);
        command.add("-cp");
        command.add(classPath());
        command.add(Main.class.getName());
        command.addAll(args);
        Path out = Files.createTempFile("loomux-child", ".out");
        Path err = Files.createTempFile("loomux-child", ".err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        return new CliChild(p, out, err);
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
