package io.loomux.docs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Maven on a project of a user's own, as the user would: the same Maven and JDK as this
 * build, on the local repository where {@code ./test} (mvn install) has just put this build's
 * artifacts, so the project resolves {@code io.loomux} artifacts exactly as published.
 */
final class ChildMaven {

    /** Bounds one child build; a first build may download plugins from Maven Central. */
    private static final long TIMEOUT_MINUTES = 8;

    /**
     * What a build did.
     *
     * @param exitCode Maven's exit status
     * @param output everything it printed, standard error included
     */
    record Result(int exitCode, String output) {

        /** @return this, after checking that the build passed; else fails with its output */
        Result requireSuccess(String what) {
            if (exitCode != 0) {
                throw new AssertionError(what + ": mvn exited with " + exitCode + "; its output:\n" + output);
            }
            return this;
        }
    }

    private ChildMaven() {
    }

    /**
     * Runs {@code mvn -B -ntp ARGS} in {@code project} and waits for it.
     *
     * @throws AssertionError when it does not end within the bound (it is then killed)
     */
    static Result run(Path project, String... args) throws IOException, InterruptedException {
        Path mvn = Checkout.mavenHome().resolve("bin").resolve("mvn");
        List<String> command = new ArrayList<>(List.of(mvn.toString(), "-B", "-ntp",
                "-Dmaven.repo.local=" + Checkout.localRepository()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(project, "mvn-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(project.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("MAVEN_OPTS");
        Process process = builder.start();
        if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("mvn " + String.join(" ", args) + " in " + project + " did not end within "
                    + TIMEOUT_MINUTES + " minutes; its output so far:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
