package io.loomux.it;

import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.Loomux;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.testng.Assert.assertTrue;

/**
 * Close under traffic: connections are closed while their reader and writer threads are inside
 * or entering a read or write, and new sockets are opened at once, so descriptor numbers are
 * reused while the old threads may still run. Each connection carries one byte value (its tag)
 * both ways; a byte with another connection's tag means a descriptor reached the wrong
 * connection's traffic. Every thread must also end: close wakes whoever was parked.
 */
public class CloseRaceTest extends BackendTestBase {

    static final int SLOTS = 8;
    static final int ITERATIONS = 60;
    static final int CHUNK = 4096;

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 90_000)
    public void closeUnderTrafficNeverCrossesConnections(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Queue<String> violations = new ConcurrentLinkedQueue<>();
        Queue<Running> threads = new ConcurrentLinkedQueue<>();
        AtomicInteger nextTag = new AtomicInteger();
        AtomicInteger connections = new AtomicInteger();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<Running> slots = new ArrayList<>();
        for (int s = 0; s < SLOTS; s++) {
            int slot = s;
            slots.add(startVirtual("slot-" + s, () -> {
                Listener listener = track(rt.listen(new InetSocketAddress(LOOPBACK, 0)));
                for (int it = 0; it < ITERATIONS && System.nanoTime() < deadline; it++) {
                    byte tag = (byte) (nextTag.getAndIncrement() % 255 + 1);
                    Socket peer = track(Io.jdkConnect(listener.localAddress(), 10_000));
                    Connection c = track(listener.accept(Duration.ofSeconds(10)));
                    c.setReadTimeout(Duration.ofSeconds(20)).setWriteTimeout(Duration.ofSeconds(20));
                    connections.incrementAndGet();
                    String who = "slot " + slot + " iteration " + it + " (tag " + tag + ")";
                    CountDownLatch flowing = new CountDownLatch(2);
                    threads.add(startVirtual("loomux-reader", () -> readTagged(
                            b -> c.read(ByteBuffer.wrap(b)), tag, flowing, violations, who + " loomux reader")));
                    threads.add(startVirtual("peer-reader", () -> readTagged(
                            b -> peer.getInputStream().read(b), tag, flowing, violations, who + " peer reader")));
                    threads.add(startVirtual("loomux-writer", () -> writeTagged(
                            b -> c.write(ByteBuffer.wrap(b)), tag)));
                    OutputStream peerOut = peer.getOutputStream();
                    threads.add(startVirtual("peer-writer", () -> writeTagged(b -> peerOut.write(b), tag)));
                    if (!flowing.await(10, TimeUnit.SECONDS)) {
                        // Seen when a poller thread died (its sockets never wake again); the
                        // log then says "loomux poller ... failed".
                        violations.add(who + ": no traffic within 10 s on a new connection");
                    }
                    // Close while the loomux threads are mid-read and mid-write, then go straight
                    // on to open the next sockets, which may get the freed descriptor numbers.
                    c.close();
                    peer.close();
                }
                return null;
            }));
        }
        org.awaitility.Awaitility.await(backend + ": every slot finishes its iterations")
                .atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(20))
                .until(() -> slots.stream().allMatch(r -> r.result().isDone()));
        for (Running slot : slots) {
            slot.result().join(); // rethrows a slot's own failure
        }
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> threads.stream().allMatch(r -> r.result().isDone()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            List<String> stuck = threads.stream().filter(r -> !r.result().isDone())
                    .map(r -> r.thread().getName() + " " + r.thread().getState() + " at "
                            + Arrays.stream(r.thread().getStackTrace()).limit(8).toList())
                    .toList();
            throw new AssertionError(backend + ": " + stuck.size() + " I/O threads never ended after their"
                    + " connections were closed (" + rt.stats() + "); first: " + stuck.get(0));
        }
        System.out.println(getTestName() + ": " + connections + " connections closed under traffic; " + rt.stats());
        assertTrue(violations.isEmpty(), backend + ": " + violations.size() + " violations, first: "
                + violations.stream().limit(5).toList());
        assertTrue(connections.get() >= SLOTS * 10, backend + ": only " + connections + " connections in 20 s");
    }

    interface Reader {
        int read(byte[] b) throws IOException;
    }

    interface Writer {
        void write(byte[] b) throws IOException;
    }

    /** Reads until end of stream or an error; every byte must be {@code tag}. */
    private static Object readTagged(Reader in, byte tag, CountDownLatch flowing, Queue<String> violations, String who) {
        byte[] buf = new byte[CHUNK];
        boolean counted = false;
        long total = 0;
        for (int guard = 0; guard < 1_000_000; guard++) {
            int n;
            try {
                n = in.read(buf);
            } catch (IOException e) {
                return total; // closed under it: expected
            }
            if (n < 0) {
                return total;
            }
            for (int i = 0; i < n; i++) {
                if (buf[i] != tag) {
                    violations.add(who + " read byte " + buf[i] + " at offset " + (total + i) + ", its tag is " + tag);
                    return total;
                }
            }
            total += n;
            if (!counted) {
                counted = true;
                flowing.countDown();
            }
        }
        return total;
    }

    /** Writes {@code tag} bytes until an error (the connection was closed under it). */
    private static Object writeTagged(Writer out, byte tag) {
        byte[] chunk = new byte[CHUNK];
        Arrays.fill(chunk, tag);
        for (int guard = 0; guard < 100_000; guard++) {
            try {
                out.write(chunk);
            } catch (IOException e) {
                return guard;
            }
        }
        return -1;
    }
}
