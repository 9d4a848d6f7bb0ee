package io.loomux.internal;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * A busy carrier-side poller leaves room for virtual threads started or woken from platform
 * threads. Its polls wake readers onto its own carrier's queue, and a carrier runs its own queue
 * before it looks at work submitted from outside; on one carrier, a poller that never let its
 * queue run dry held back every connection that the HTTP server's accept thread started (their
 * first requests waited seconds at 1,000 connections). Runs in a child JVM, since the scheduler's
 * parallelism is fixed when the first virtual thread starts.
 */
public class PollerFairnessTest {

    @DataProvider
    public Object[][] modes() {
        return new Object[][]{{"EDGE"}, {"ONE_SHOT"}};
    }

    @Test(dataProvider = "modes")
    public void aThreadStartedFromOutsideRunsWhileTheCarrierPollerIsBusy(String mode) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djdk.virtualThreadScheduler.parallelism=1", "-Djdk.virtualThreadScheduler.maxPoolSize=1",
                "-cp", System.getProperty("java.class.path"), BusyPollerChild.class.getName(), mode);
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child did not end: " + out);
        assertEquals(child.exitValue(), 0, "the started thread did not run while the poller was busy: " + out);
        assertTrue(out.contains("ran"), out);
    }
}
