package io.loomux.epoll;

import org.testng.SkipException;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertTrue;

/**
 * EMFILE on accept, for real: a child JVM under {@code ulimit -n 256} runs {@link EmfileChild}.
 */
public class EmfileTest {

    @Test
    public void acceptOutOfDescriptorsThrowsTooManyOpenFilesAndTheListenerStaysUsable() throws Exception {
        EpollTesting.requireEpoll();
        if (!Files.isExecutable(Path.of("/bin/sh"))) {
            throw new SkipException("needs /bin/sh for ulimit");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // ulimit -n sets the soft and hard limits, so the JVM cannot raise its own (MaxFDLimit).
        Process child = new ProcessBuilder("/bin/sh", "-c", "ulimit -n 256 && exec \"$0\" --enable-native-access=ALL-UNNAMED -cp \"$1\" " + EmfileChild.class.getName(),
                java, System.getProperty("java.class.path"))
                .redirectErrorStream(true)
                .start();
        boolean done = child.waitFor(60, TimeUnit.SECONDS);
        String out = new String(child.getInputStream().readAllBytes());
        if (!done) {
            child.destroyForcibly();
        }
        System.out.println("EMFILE child: " + out);
        assertTrue(done, "the child finished: " + out);
        assertTrue(out.contains("OK emfile: Too many open files"), out);
        assertTrue(out.contains("OK accepted after descriptors were freed"), out);
        assertTrue(!out.contains("FAIL"), out);
    }
}
