package io.loomux.bench.soak;

import io.loomux.tck.faults.FaultPlan;
import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/**
 * The soak, run for a few seconds in this JVM with the fault injector around every server: it
 * must move real traffic and find nothing on a correct server while faults are injected, and it
 * must find the loss when a server breaks a byte or ends a connection the injector did not
 * touch, or a pass would mean nothing.
 */
public class SoakTest {

    /**
     * A short run, lighter than {@code ./bench soak}'s: rounds of 2 s, a few clients per server,
     * faults injected as in {@code ./bench soak}.
     */
    private static SoakConfig brief(Duration duration) {
        return new SoakConfig(duration, 7, Duration.ofSeconds(2), Duration.ofSeconds(2), 4, 3, 2, 2,
                Faults.SOAK_PLAN, Echo.Tamper.NONE);
    }

    private static Summary run(SoakConfig config, StringBuilder log) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream p = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            return Soak.run(config, p);
        } finally {
            log.append(out.toString(StandardCharsets.UTF_8));
            System.out.print(log); // into the test's report
        }
    }

    @Test
    public void aCorrectServerLosesNothing() throws Exception {
        StringBuilder log = new StringBuilder();
        Summary s = run(brief(Duration.ofSeconds(5)), log);
        String says = s.line() + "\n" + log;
        assertTrue(s.connections() > 0, says);
        assertTrue(s.messages() > 0, says);
        assertTrue(s.bytes() > 0, says);
        assertTrue(s.rounds() > 0, says);
        assertEquals(s.lost(), 0, says);
        assertEquals(s.crossed(), 0, says);
        assertEquals(s.leakedFds(), 0, says);
        assertEquals(s.leakedThreads(), 0, says);
        assertTrue(s.faults() > 0, "the injector injected nothing\n" + says);
        assertTrue(s.reset() > 0, "no connection was faulted, so the excuse was never tried\n" + says);
        assertTrue(s.passed(), says);
        assertTrue(s.line().matches("soak: \\d+ connections, \\d+ messages, \\d+ bytes, \\d+ faults injected,"
                + " lost 0, crossed 0, leaked fds 0, leaked threads 0"), s.line());
    }

    @Test
    public void aServerThatBreaksAByteIsCaught() throws Exception {
        AtomicLong writes = new AtomicLong();
        // Every 64th buffer a server writes back gets one bit flipped in its first byte.
        Echo.Tamper breakOne = b -> {
            if (b.hasRemaining() && writes.incrementAndGet() % 64 == 0) {
                int at = b.position();
                b.put(at, (byte) (b.get(at) ^ 0x10));
            }
        };
        StringBuilder log = new StringBuilder();
        Summary s = run(brief(Duration.ofSeconds(3)).withTamper(breakOne), log);
        String says = s.line() + "\n" + log;
        assertTrue(writes.get() >= 64, "the tamper never fired: " + says);
        assertTrue(s.lost() > 0, says);
        assertFalse(s.passed(), says);
        assertTrue(s.problems().stream().anyMatch(p -> p.startsWith("lost: ") && p.contains("wrong bytes")), says);
    }

    @Test
    public void aConnectionTheServerEndsWithoutAFaultIsLostWhileFaultsAreInjected() throws Exception {
        AtomicLong writes = new AtomicLong();
        // Every 64th buffer a server is about to write back makes its handler fail instead: the
        // server ends that connection early, and no injector had anything to do with it.
        Echo.Tamper endOne = b -> {
            if (writes.incrementAndGet() % 64 == 0) {
                throw new IllegalStateException("soak test: a server that ends a connection early");
            }
        };
        StringBuilder log = new StringBuilder();
        Summary s = run(brief(Duration.ofSeconds(3)).withTamper(endOne), log);
        String says = s.line() + "\n" + log;
        assertTrue(writes.get() >= 64, "the tamper never fired: " + says);
        assertTrue(s.faults() > 0, "the injector injected nothing: " + says);
        assertTrue(s.lost() > 0, "connections the injector never touched were excused: " + says);
        assertFalse(s.passed(), says);
        assertTrue(s.problems().stream().anyMatch(p -> p.startsWith("lost: ") && p.contains("/echo-")
                && p.contains("not by the injector")),
                says);
    }

    @Test
    public void noFaultsRunsOnTheBackendsAsFound() throws Exception {
        assertEquals(SoakConfig.parse("--seconds", "3", "--no-faults").faults(), FaultPlan.none());
        assertEquals(SoakConfig.parse("--seconds", "3").faults(), Faults.SOAK_PLAN);
        StringBuilder log = new StringBuilder();
        SoakConfig c = brief(Duration.ofSeconds(3));
        Summary s = run(new SoakConfig(c.duration(), c.seed(), c.round(), c.warmUp(), c.echoClients(),
                c.httpClients(), c.httpsClients(), c.badClients(), FaultPlan.none(), c.tamper()), log);
        String says = s.line() + "\n" + log;
        assertEquals(s.faults(), 0, says);
        assertEquals(s.reset(), 0, says);
        assertTrue(s.passed(), says);
    }
}
