package io.loomux.epoll;

import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.Loomux;
import org.testng.annotations.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.testng.Assert.assertTrue;

/**
 * Descriptor reuse under churn: clients and server both on epoll, so descriptor numbers and
 * registration slots are recycled constantly, while closer threads close random live client
 * connections (one in five) under their owners' feet, mid-exchange. Every record on every stream carries its connection id
 * and a sequence number; the server and the clients check both. One misrouted byte fails it.
 */
public class DescriptorReuseStressTest {

    private static final int TOTAL_CONNECTIONS = 2000;
    private static final int WORKERS = 64;
    private static final int RECORD = 16; // 8 bytes connection id, 8 bytes sequence

    @Test(timeOut = 60_000)
    public void noConnectionEverReceivesAnothersBytes() throws Exception {
        EpollTesting.requireEpoll();
        Queue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicLong records = new AtomicLong();
        AtomicInteger closedUnderfoot = new AtomicInteger();
        AtomicInteger nextId = new AtomicInteger();
        Queue<Connection> live = new ConcurrentLinkedQueue<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Loomux lx = Loomux.builder().backend("epoll").pollers(2).build();
             ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
            Listener l = lx.listen(new InetSocketAddress("127.0.0.1", 0));
            vt.submit(() -> serve(l, vt, violations));
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                workers.add(vt.submit(() -> {
                    // Each worker runs connections one after another until the total is reached.
                    for (int k = 0; k < TOTAL_CONNECTIONS && System.nanoTime() < deadline; k++) {
                        int id = nextId.getAndIncrement();
                        if (id >= TOTAL_CONNECTIONS) {
                            return null;
                        }
                        client(lx, l.localAddress(), id, live, violations, records, closedUnderfoot);
                    }
                    return null;
                }));
            }
            Future<?> closer = vt.submit(() -> {
                // Closes a random live connection now and then, until the workers are done.
                for (int i = 0; i < 1_000_000 && !workers.stream().allMatch(Future::isDone)
                        && System.nanoTime() < deadline; i++) {
                    Connection c = live.poll();
                    if (c != null) {
                        c.close(); // while its owner is mid-exchange, reading or writing
                    } else {
                        Thread.yield();
                    }
                }
                return null;
            });
            for (Future<?> f : workers) {
                f.get(45, TimeUnit.SECONDS);
            }
            closer.get(10, TimeUnit.SECONDS);
            l.close();
        }
        System.out.println("descriptor reuse stress: " + nextId.get() + " connections, " + records.get()
                + " records echoed, " + closedUnderfoot.get() + " closed under their owners");
        assertTrue(violations.isEmpty(), "misrouted bytes: " + violations.stream().limit(5).toList());
        assertTrue(nextId.get() >= TOTAL_CONNECTIONS, "all connections ran within the time bound: " + nextId.get());
        assertTrue(records.get() > 0);
    }

    private static Void serve(Listener l, ExecutorService vt, Queue<String> violations) {
        // Ends when the listener closes.
        for (;;) {
            Connection c;
            try {
                c = l.accept();
            } catch (IOException e) {
                return null;
            }
            vt.submit(() -> {
                try (c) {
                    ByteBuffer rec = ByteBuffer.allocate(RECORD);
                    long id = -1;
                    // Bounded by the client, which sends at most 50 records.
                    for (long seq = 0; ; seq++) {
                        rec.clear();
                        if (!readFully(c, rec)) {
                            return null;
                        }
                        long gotId = rec.getLong(0);
                        long gotSeq = rec.getLong(8);
                        if (id < 0) {
                            id = gotId;
                        }
                        if (gotId != id || gotSeq != seq) {
                            violations.add("server of " + id + " got (" + gotId + ", " + gotSeq + ") expecting seq " + seq);
                            return null;
                        }
                        rec.flip();
                        c.write(rec);
                    }
                } catch (IOException e) {
                    return null; // the client was closed under its owner: expected
                }
            });
        }
    }

    private static boolean readFully(Connection c, ByteBuffer b) throws IOException {
        // Bounded by the buffer's 16 bytes.
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    private static void client(Loomux lx, InetSocketAddress server, long id, Queue<Connection> live,
                               Queue<String> violations, AtomicLong records, AtomicInteger closedUnderfoot) {
        Connection c;
        try {
            c = lx.connect(server, Duration.ofSeconds(10));
        } catch (IOException e) {
            violations.add("connect " + id + " failed: " + e);
            return;
        }
        int count = 1 + ThreadLocalRandom.current().nextInt(50);
        // One connection in five is doomed: handed to the closer part-way through its exchange.
        long doomAt = id % 5 == 0 ? ThreadLocalRandom.current().nextInt(count) : -1;
        ByteBuffer out = ByteBuffer.allocateDirect(RECORD);
        ByteBuffer in = ThreadLocalRandom.current().nextBoolean() ? ByteBuffer.allocate(RECORD) : ByteBuffer.allocateDirect(RECORD);
        try (c) {
            for (long seq = 0; seq < count; seq++) {
                out.clear();
                out.putLong(id).putLong(seq).flip();
                c.write(out);
                if (seq == doomAt) {
                    live.offer(c);
                }
                in.clear();
                if (!readFully(c, in)) {
                    violations.add("client " + id + " saw end of stream at " + seq);
                    return;
                }
                if (in.getLong(0) != id || in.getLong(8) != seq) {
                    violations.add("client " + id + " got (" + in.getLong(0) + ", " + in.getLong(8) + ") at seq " + seq);
                    return;
                }
                records.incrementAndGet();
            }
        } catch (IOException e) {
            if (c.isOpen()) {
                violations.add("client " + id + " failed while open: " + e);
            } else {
                closedUnderfoot.incrementAndGet(); // closed by the closer thread: expected
            }
        }
    }
}
