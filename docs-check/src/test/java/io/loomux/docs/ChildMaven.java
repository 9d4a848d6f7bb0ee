package io.loomux.docs;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs Maven on a project of a user's own, as the user would: the same Maven and JDK as this
 * build, on the local repository where {@code ./test} (mvn install) has just put this build's
 * artifacts, so the project resolves {@code io.loomux} artifacts exactly as published.
 */
final class ChildMaven {

    /** Bounds one child build; a first build may download plugins from Maven Central. */
    private static final Duration BOUND = Duration.ofMinutes(8);

    private ChildMaven() {
    }

    /** Runs {@code mvn -B -ntp ARGS} in {@code project} and waits for it. */
    static ChildProcess.Result run(Path project, String... args) throws IOException, InterruptedException {
        Path mvn = Checkout.mavenHome().resolve("bin").resolve("mvn");
        List<String> command = new ArrayList<>(List.of(mvn.toString(), "-B", "-ntp",
                "-Dmaven.repo.local=" + Checkout.localRepository()));
        command.addAll(List.of(args));
        return ChildProcess.run(project, BOUND, command);
    }
}
