package io.loomux.internal;

import io.loomux.Connection;
import io.loomux.Loomux;
import io.loomux.spi.Events;
import io.loomux.spi.Triggering;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Run by {@link PollerFairnessTest} in a JVM of its own whose virtual threads share one carrier
 * ({@code -Djdk.virtualThreadScheduler.parallelism=1}, as on a server given one core): keeps the
 * carrier-side poller busy, every poll waking two readers, and meanwhile starts a virtual thread
 * from a platform thread, as the HTTP server's accept thread starts a connection's. Prints
 * {@code ran} and exits 0 if that thread runs within the bound while the load goes on, else
 * prints {@code starved} and exits 1.
 */
final class BusyPollerChild {

    private static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 9);
    private static final Duration BOUND = Duration.ofSeconds(10);

    private BusyPollerChild() {
    }

    public static void main(String[] args) throws Exception {
        FakeBackend backend = new FakeBackend(Triggering.valueOf(args[0]));
        try (Loomux loomux = Loomux.builder().provider(backend).pollers(1).build()) {
            FakeBackend.FakeSocket[] sockets = new FakeBackend.FakeSocket[2];
            for (int i = 0; i < sockets.length; i++) {
                Connection c = loomux.connect(ANY, Duration.ofSeconds(5));
                sockets[i] = backend.lastConnected;
                // A reader that never gets data: every event wakes it, its read finds nothing,
                // and it parks again, as a keep-alive connection between requests would.
                Thread.ofVirtual().start(() -> {
                    ByteBuffer buf = ByteBuffer.allocate(16);
                    try {
                        while (c.read(buf) >= 0) {
                            buf.clear();
                        }
                    } catch (IOException e) {
                        // closed at the end
                    }
                });
            }
            // From now on every poll finds both sockets readable: the carrier side never idles.
            backend.pollSet.alwaysReadable = List.<FakeBackend.FakeHandle>of(sockets);
            backend.pollSet.wakeup();
            // Let the load reach the carrier side: the platform poller hands its turn over after
            // a poll with two events or more. Bounded by time, as every wait here.
            long until = System.nanoTime() + BOUND.toNanos();
            while (backend.pollSet.carrierPolls.get() < 1_000 && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            if (backend.pollSet.carrierPolls.get() < 1_000) {
                System.out.println("the carrier side did not take the polls over");
                Runtime.getRuntime().halt(2);
            }
            CountDownLatch ran = new CountDownLatch(1);
            int pollsBefore = backend.pollSet.carrierPolls.get();
            int deliveredBefore = backend.pollSet.delivered.get();
            Thread.ofVirtual().start(ran::countDown);
            boolean ok = ran.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
            System.out.println((ok ? "ran" : "starved") + "; meanwhile carrier-side polls "
                    + (backend.pollSet.carrierPolls.get() - pollsBefore) + ", events "
                    + (backend.pollSet.delivered.get() - deliveredBefore) + "; before: carrier-side polls " + pollsBefore);
            System.out.flush();
            // The runtime's close may itself wait on the starved carrier: exit without it.
            Runtime.getRuntime().halt(ok ? 0 : 1);
        }
    }
}
