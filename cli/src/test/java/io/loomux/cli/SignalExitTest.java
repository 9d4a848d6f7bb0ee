package io.loomux.cli;

import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
        try (CliChild child = CliChild.start(args)) {
            await().atMost(WAIT).alias("the child says it listens").until(() -> child.out().contains(started));
            int status = child.terminate();
            assertTrue(child.out().contains(stopped), "no '" + stopped + "' in: " + child.out() + child.err());
            assertEquals(status, Main.OK, "exit status after SIGTERM; stderr: " + child.err());
        }
    }
}
