package io.loomux.epoll;

import io.loomux.BackendInfo;
import io.loomux.BackendSelectionException;
import io.loomux.Loomux;
import io.loomux.spi.Availability;
import io.loomux.spi.Triggering;
import org.testng.SkipException;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

/** The provider: identity, the availability rules, selection through ServiceLoader. */
public class EpollProviderTest {

    @Test
    public void identity() {
        EpollMultiplexerProvider p = new EpollMultiplexerProvider();
        assertEquals(p.name(), "epoll");
        assertEquals(p.priority(), 100);
        assertEquals(p.triggering(), Triggering.EDGE);
        assertTrue(p.availability() == p.availability(), "computed once");
    }

    @Test
    public void availabilityReasons() {
        assertEquals(NativeLibrary.precheck("Linux", "amd64", "true", r -> true).reason(),
                "disabled by -Dloomux.epoll.disable=true");
        assertEquals(NativeLibrary.precheck("Mac OS X", "aarch64", null, r -> true).reason(),
                "not Linux (os.name=Mac OS X)");
        assertEquals(NativeLibrary.precheck("Linux", "riscv64", null, r -> false).reason(),
                "no native library for linux-riscv64 in the jar");
        assertNull(NativeLibrary.precheck("Linux", "amd64", "false",
                r -> r.equals("META-INF/native/linux-x86_64/libloomux-epoll.so")));
        assertEquals(NativeLibrary.platform("aarch64"), "linux-aarch64");
    }

    @Test
    public void aLibraryThatFailsToLoadIsReportedWithTheLinkerMessage() throws IOException {
        Path bogus = Files.createTempFile("not-a-library-", ".so");
        try {
            Files.writeString(bogus, "this is not an ELF file");
            Availability a = NativeLibrary.loadFile(bogus);
            assertFalse(a.available());
            assertTrue(a.reason().startsWith("native library failed to load: "), a.reason());
        } finally {
            Files.delete(bogus);
        }
    }

    @Test
    public void foundByServiceLoaderAndSelectedByName() throws IOException {
        EpollTesting.requireEpoll();
        List<BackendInfo> found = Loomux.backends();
        BackendInfo epoll = found.stream().filter(b -> b.name().equals("epoll")).findFirst().orElseThrow();
        assertEquals(epoll.priority(), 100);
        assertTrue(epoll.availability().available(), epoll.availability().reason());
        try (Loomux lx = Loomux.builder().backend("epoll").pollers(1).build()) {
            assertEquals(lx.backend().name(), "epoll");
        }
    }

    @Test
    public void disabledInAChildJvmIsAnErrorThatSaysWhy() throws Exception {
        if (!System.getProperty("os.name").startsWith("Linux")) {
            throw new SkipException("runs a child JVM the Linux way");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Dloomux.epoll.disable=true", "-cp",
                System.getProperty("java.class.path"), DisabledChild.class.getName())
                .redirectErrorStream(true).start();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child finished");
        String out = new String(child.getInputStream().readAllBytes());
        assertTrue(out.contains("unavailable: disabled by -Dloomux.epoll.disable=true"), out);
    }

    /** Run in a child JVM with the backend disabled: naming it must fail with the reason. */
    public static final class DisabledChild {
        public static void main(String[] args) throws IOException {
            try (Loomux lx = Loomux.builder().backend("epoll").build()) {
                System.out.println("FAIL: opened " + lx);
            } catch (BackendSelectionException e) {
                System.out.println(e.getMessage());
            }
        }
    }
}
