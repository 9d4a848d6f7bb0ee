package io.loomux.http;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import org.testng.SkipException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real clients the tests run as commands (curl, nghttp, h2load): skipped, with the reason, where one is
 * not installed (CI installs them), each bounded in time and asserted to succeed.
 */
final class Commands {

    static final Path CURL = Path.of("/usr/bin/curl");
    static final Path H2LOAD = Path.of("/usr/bin/h2load");
    static final Path NGHTTP = Path.of("/usr/bin/nghttp");

    private Commands() {
    }

    /**
     * Runs the command to its end (at most 90 s) and asserts it succeeded.
     *
     * @return what it printed, standard error included
     */
    static String run(Path executable, String... args) throws Exception {
        if (!Files.isExecutable(executable)) {
            throw new SkipException("no " + executable + " on this machine");
        }
        Path out = Files.createTempFile("loomux-" + executable.getFileName(), ".txt");
        Process p = null;
        try {
            List<String> command = new ArrayList<>();
            command.add(executable.toString());
            command.addAll(List.of(args));
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), executable.getFileName() + " did not finish");
            String got = Files.readString(out, StandardCharsets.ISO_8859_1);
            assertEquals(p.exitValue(), 0, executable.getFileName() + " failed: " + got);
            return got;
        } finally {
            if (p != null) {
                p.destroyForcibly();
            }
            Files.deleteIfExists(out);
        }
    }

    /** curl, quiet but for errors, never through a proxy, at most 20 s. */
    static String curl(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("-sS", "--noproxy", "*", "--max-time", "20"));
        all.addAll(List.of(args));
        return run(CURL, all.toArray(String[]::new));
    }
}
