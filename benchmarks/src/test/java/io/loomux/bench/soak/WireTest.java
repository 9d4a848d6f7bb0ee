package io.loomux.bench.soak;

import io.loomux.tck.faults.FaultPlan;
import org.testng.SkipException;
import org.testng.annotations.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

import static org.testng.Assert.assertEquals;

/**
 * The soak's clients must never share a pair of addresses within a run: the fault injector
 * names the connections it ended by that pair for as long as it lives, so a pair that comes
 * round again cannot be told from a faulted one.
 */
public class WireTest {

    @Test
    public void everyConnectionHasALocalAddressOfItsOwn() throws Exception {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            throw new SkipException("needs the whole of 127.0.0.0/8 on the loopback interface, as Linux has it");
        }
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // Never accepted: the backlog holds the few connections made here.
            Target t = new Target("test", Kind.ECHO_THREADS, (InetSocketAddress) server.getLocalSocketAddress(), null,
                    () -> 0);
            Faults none = new Faults(FaultPlan.none());
            Set<InetAddress> seen = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                try (Wire w = Wire.open(t, none)) {
                    seen.add(w.socket().getLocalAddress());
                }
            }
            assertEquals(seen.size(), 3, "local addresses of three connections: " + seen);
        }
    }
}
