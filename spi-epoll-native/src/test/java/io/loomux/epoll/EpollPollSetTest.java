package io.loomux.epoll;

import io.loomux.spi.Events;
import io.loomux.spi.ListenerHandle;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;
import io.loomux.spi.SocketHandle;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.loomux.epoll.EpollTesting.Collector;
import static io.loomux.epoll.EpollTesting.WAIT;
import static io.loomux.epoll.EpollTesting.loopback4;
import static io.loomux.epoll.EpollTesting.pollUntil;
import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * The poll set: wake-ups, their coalescing, cancel, stale events, one epoll_ctl per socket.
 * Counters are process-wide; TestNG runs these methods one at a time, so deltas are exact.
 */
public class EpollPollSetTest {

    private Multiplexer mux;

    @BeforeClass
    public void open() throws IOException {
        EpollTesting.requireEpoll();
        mux = new EpollMultiplexerProvider().open();
    }

    @AfterClass(alwaysRun = true)
    public void close() throws IOException {
        if (mux != null) {
            mux.close();
        }
    }

    /** A platform thread, as a poller is: a blocking epoll_wait must not sit on a carrier. */
    private static <T> Future<T> onPlatformThread(java.util.concurrent.Callable<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).start(() -> {
            try {
                f.complete(task.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    private static boolean inEpollWait(Thread t) {
        return Arrays.stream(t.getStackTrace()).anyMatch(e -> e.getMethodName().equals("epollWait"));
    }

    @Test
    public void wakeupFromAnotherThreadReturnsABlockedPoll() throws Exception {
        PollSet ps = mux.openPollSet();
        try {
            AtomicReference<Thread> poller = new AtomicReference<>();
            Future<Integer> polled = onPlatformThread(() -> {
                poller.set(Thread.currentThread());
                return ps.poll(-1, (a, e) -> { });
            });
            // Wait until the poller is really inside epoll_wait, so the wake-up is not a pre-set flag.
            await().atMost(WAIT).until(() -> poller.get() != null && inEpollWait(poller.get()));
            assertFalse(polled.isDone());
            ps.wakeup();
            assertEquals(polled.get(WAIT.toMillis(), TimeUnit.MILLISECONDS), Integer.valueOf(0),
                    "the eventfd's own event is not reported");
        } finally {
            ps.close();
        }
    }

    @Test
    public void manyWakeupsBetweenPollsCostOneEventfdWrite() throws Exception {
        PollSet ps = mux.openPollSet();
        try {
            EpollStats before = EpollStats.now();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                for (int t = 0; t < 4; t++) {
                    pool.submit(() -> {
                        for (int i = 0; i < 250; i++) {
                            ps.wakeup();
                        }
                    });
                }
            } finally {
                pool.shutdown();
                assertTrue(pool.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            }
            EpollStats d = EpollStats.now().minus(before);
            assertEquals(d.wakeups(), 1000);
            assertEquals(d.eventfdWrites(), 1, "coalesced into one eventfd write");
            // The next poll returns at once instead of blocking.
            Future<Integer> polled = onPlatformThread(() -> ps.poll(-1, (a, e) -> { }));
            assertEquals(polled.get(WAIT.toMillis(), TimeUnit.MILLISECONDS), Integer.valueOf(0));
            assertEquals(EpollStats.now().minus(before).eventfdReads(), 1);
            // After the drain, a new wake-up writes again and wakes the next poll: none is lost.
            ps.wakeup();
            Future<Integer> again = onPlatformThread(() -> ps.poll(-1, (a, e) -> { }));
            assertEquals(again.get(WAIT.toMillis(), TimeUnit.MILLISECONDS), Integer.valueOf(0));
            assertEquals(EpollStats.now().minus(before).eventfdWrites(), 2);
        } finally {
            ps.close();
        }
    }

    @Test
    public void cancelStopsReportsForThatAttachment() throws IOException {
        PollSet ps = mux.openPollSet();
        ListenerHandle l = mux.listen(loopback4(), 0, Map.of());
        SocketHandle client = null;
        SocketHandle server = null;
        try {
            Collector c = new Collector();
            ps.register(l, "L");
            client = mux.connect(l.localAddress(), Map.of());
            Registration rc = ps.register(client, "C");
            SocketHandle cl = client;
            await().atMost(WAIT).pollInSameThread().until(() -> {
                ps.poll(10, c);
                return cl.finishConnect();
            });
            pollUntil(ps, c, "L", Events.READABLE);
            server = l.accept();
            ps.register(server, "S");
            pollUntil(ps, c, "C", Events.WRITABLE);
            rc.cancel();
            rc.cancel(); // idempotent
            c.clear();
            server.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            server.shutdownOutput();
            for (int i = 0; i < 5; i++) {
                ps.poll(20, c);
            }
            assertEquals(c.bits("C"), 0, "cancelled: nothing reported for its attachment");
            assertEquals(client.read(ByteBuffer.allocate(8)), 3, "the socket itself still works");
        } finally {
            ps.close();
            l.close();
            if (client != null) {
                client.close();
            }
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    public void staleEventForAReusedSlotIsDropped() throws IOException {
        EpollPollSet ps = (EpollPollSet) mux.openPollSet();
        ListenerHandle a = mux.listen(loopback4(), 0, Map.of());
        ListenerHandle b = mux.listen(loopback4(), 0, Map.of());
        try {
            EpollRegistration ra = (EpollRegistration) ps.register(a, "A");
            long staleTag = ra.tag();
            ra.cancel();
            EpollRegistration rb = (EpollRegistration) ps.register(b, "B");
            assertEquals(rb.slot, ra.slot, "the slot is reused");
            assertTrue(rb.generation != ra.generation, "with a new generation");
            Collector c = new Collector();
            EpollStats before = EpollStats.now();
            // An event the kernel reported for A before its cancel, delivered after B took the slot.
            assertFalse(ps.dispatch(ps.table(), staleTag, Sys.EPOLLIN, c));
            assertEquals(c.calls, 0, "never reaches B");
            assertEquals(EpollStats.now().minus(before).staleEvents(), 1);
            assertTrue(ps.dispatch(ps.table(), rb.tag(), Sys.EPOLLIN, c));
            assertEquals(c.bits("B"), Events.READABLE);
        } finally {
            ps.close();
            a.close();
            b.close();
        }
    }

    @Test
    public void tableGrowsAndOneEpollCtlPerSocket() throws IOException {
        EpollPollSet ps = (EpollPollSet) mux.openPollSet();
        ListenerHandle[] ls = new ListenerHandle[200];
        try {
            EpollStats before = EpollStats.now();
            Registration[] rs = new Registration[ls.length];
            for (int i = 0; i < ls.length; i++) {
                ls[i] = mux.listen(loopback4(), 0, Map.of());
                rs[i] = ps.register(ls[i], i);
            }
            for (Registration r : rs) {
                r.arm(Events.READABLE | Events.WRITABLE); // a no-op on an edge backend
            }
            assertEquals(EpollStats.now().minus(before).epollCtl(), ls.length);
            for (int i = 0; i < ls.length; i += 2) {
                rs[i].cancel();
            }
            assertEquals(EpollStats.now().minus(before).epollCtl(), ls.length, "cancel costs no epoll_ctl");
            // Connect to the last one: its event arrives through the grown table.
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(ls[ls.length - 1].localAddress());
                Collector c = new Collector();
                pollUntil(ps, c, ls.length - 1, Events.READABLE);
            }
        } finally {
            ps.close();
            for (ListenerHandle l : ls) {
                if (l != null) {
                    l.close();
                }
            }
        }
    }

    @Test
    public void closedPollSetRefusesPollAndRegisterAndIgnoresWakeup() throws IOException {
        PollSet ps = mux.openPollSet();
        ps.close();
        ps.close();
        ps.wakeup(); // must not write to a descriptor number that may be reused
        expectThrows(ClosedChannelException.class, () -> ps.poll(0, (a, e) -> { }));
        ListenerHandle l = mux.listen(new InetSocketAddress("127.0.0.1", 0), 0, Map.of());
        try {
            expectThrows(ClosedChannelException.class, () -> ps.register(l, "x"));
        } finally {
            l.close();
        }
    }

    @Test
    public void closeWakesABlockedPoll() throws Exception {
        PollSet ps = mux.openPollSet();
        AtomicReference<Thread> poller = new AtomicReference<>();
        Future<Integer> polled = onPlatformThread(() -> {
            poller.set(Thread.currentThread());
            return ps.poll(-1, (a, e) -> { });
        });
        await().atMost(WAIT).until(() -> poller.get() != null && inEpollWait(poller.get()));
        ps.close();
        assertEquals(polled.get(WAIT.toMillis(), TimeUnit.MILLISECONDS), Integer.valueOf(0));
    }
}
