package io.loomux.epoll;

import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.Loomux;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * Through the blocking layer ({@code Loomux.builder().backend("epoll")}): the echo system-call
 * budget, and the end-of-stream edge cases an edge-triggered backend must not strand.
 * Clients are JDK sockets, so the epoll counters measure the loomux server alone.
 */
public class EpollLoomuxTest {

    private Loomux loomux;

    @BeforeClass
    public void open() throws IOException {
        EpollTesting.requireEpoll();
        loomux = Loomux.builder().backend("epoll").pollers(1).build();
    }

    @AfterClass(alwaysRun = true)
    public void close() throws IOException {
        if (loomux != null) {
            loomux.close();
        }
    }

    /** Accepts until closed; each connection echoes on its own virtual thread with a direct 16 KiB buffer. */
    private static void serveEcho(Listener l, ExecutorService vt) {
        vt.submit(() -> {
            // Ends when the listener is closed (accept throws).
            for (;;) {
                Connection c;
                try {
                    c = l.accept();
                } catch (IOException e) {
                    return null;
                }
                vt.submit(() -> {
                    try (c) {
                        ByteBuffer buf = ByteBuffer.allocateDirect(16 * 1024);
                        // Ends at the client's end of stream or an error.
                        while (c.read(buf) >= 0) {
                            buf.flip();
                            c.write(buf);
                            buf.clear();
                        }
                    }
                    return null;
                });
            }
        });
    }

    @Test
    public void echo100ConnectionsX1000MessagesCostsNoEpollCtlPerMessage() throws Exception {
        int conns = 100;
        int messages = 1000;
        int size = 64;
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
            Listener l = loomux.listen(new InetSocketAddress("127.0.0.1", 0));
            serveEcho(l, vt);
            AtomicLong echoed = new AtomicLong();
            EpollStats before = EpollStats.now();
            List<Future<?>> clients = new ArrayList<>();
            for (int i = 0; i < conns; i++) {
                int id = i;
                clients.add(vt.submit(() -> {
                    try (Socket s = new Socket()) {
                        s.setTcpNoDelay(true);
                        s.connect(l.localAddress());
                        OutputStream out = s.getOutputStream();
                        DataInputStream in = new DataInputStream(s.getInputStream());
                        byte[] msg = new byte[size];
                        byte[] back = new byte[size];
                        for (int m = 0; m < messages; m++) {
                            Arrays.fill(msg, (byte) (id + m));
                            out.write(msg);
                            in.readFully(back);
                            if (!Arrays.equals(msg, back)) {
                                throw new AssertionError("connection " + id + " message " + m + " came back different");
                            }
                            echoed.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : clients) {
                f.get(120, TimeUnit.SECONDS);
            }
            EpollStats d = EpollStats.now().minus(before);
            l.close();
            long total = echoed.get();
            assertEquals(total, (long) conns * messages);
            String line = String.format(
                    "epoll echo, %d connections x %d messages of %d B = %d messages; per message: read %.3f"
                            + " (EAGAIN %.3f), write %.3f (EAGAIN %.3f), epoll_wait %.3f, epoll_ctl %.5f;"
                            + " totals: epoll_ctl %d, accept4 %d, eventfd writes %d",
                    conns, messages, size, total, (double) d.reads() / total, (double) d.readsWouldBlock() / total,
                    (double) d.writes() / total, (double) d.writesWouldBlock() / total,
                    (double) d.epollWait() / total, (double) d.epollCtl() / total, d.epollCtl(), d.accepts(),
                    d.eventfdWrites());
            System.out.println(line);
            System.err.println(line);
            assertTrue(d.epollCtl() <= conns, "one epoll_ctl per accepted socket in all, not per message: " + d);
        }
    }

    @Test
    public void endOfStreamRightAfterDataIsNotStrandedBehindASpentEdge() throws Exception {
        // The peer writes and closes at once, so data and FIN usually arrive under one edge; the
        // short read of the data must not leave the reader waiting for an edge that never comes.
        // The runtime is closed before the executor (reverse order), so a stranded reader is
        // woken by the close and the test fails on its timeout instead of hanging.
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor();
             Loomux lx = Loomux.builder().backend("epoll").pollers(1).build()) {
            Listener l = lx.listen(new InetSocketAddress("127.0.0.1", 0));
            for (int round = 0; round < 200; round++) {
                boolean heap = round % 2 == 0;
                Future<Long> server = vt.submit(() -> {
                    try (Connection c = l.accept()) {
                        long n = 0;
                        if (heap) {
                            InputStream in = c.inputStream();
                            n = in.readAllBytes().length;
                        } else {
                            ByteBuffer b = ByteBuffer.allocateDirect(4096);
                            int r;
                            // Ends at end of stream; bounded by the 10 bytes sent.
                            while ((r = c.read(b)) >= 0) {
                                n += r;
                                b.clear();
                            }
                        }
                        return n;
                    }
                });
                try (Socket s = new Socket()) {
                    s.connect(l.localAddress());
                    s.getOutputStream().write(new byte[10]);
                }
                assertEquals(server.get(10, TimeUnit.SECONDS), Long.valueOf(10), "round " + round);
            }
            l.close();
        }
    }

    @Test
    public void resetRightAfterDataIsReportedAsConnectionReset() throws Exception {
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor();
             Loomux lx = Loomux.builder().backend("epoll").pollers(1).build()) {
            Listener l = lx.listen(new InetSocketAddress("127.0.0.1", 0));
            for (int round = 0; round < 50; round++) {
                Future<Throwable> server = vt.submit(() -> {
                    try (Connection c = l.accept()) {
                        ByteBuffer b = ByteBuffer.allocateDirect(4096);
                        // Ends with the reset; bounded by the bytes sent.
                        for (;;) {
                            if (c.read(b) < 0) {
                                return null;
                            }
                            b.clear();
                        }
                    } catch (IOException e) {
                        return e;
                    }
                });
                try (Socket s = new Socket()) {
                    s.connect(l.localAddress());
                    s.getOutputStream().write(new byte[10]);
                    s.setSoLinger(true, 0);
                }
                Throwable t = server.get(10, TimeUnit.SECONDS);
                // The reset may overtake the data; either way the reader must not hang, and if it
                // sees an error it is the JDK's.
                if (t != null) {
                    assertTrue(t instanceof SocketException && t.getMessage().startsWith("Connection reset"), String.valueOf(t));
                }
            }
            l.close();
        }
    }

    @Test
    public void readTimeoutAndGatheringWriteThroughTheBlockingLayer() throws Exception {
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
            Listener l = loomux.listen(new InetSocketAddress("127.0.0.1", 0));
            Future<Connection> accepted = vt.submit(() -> l.accept());
            try (Connection client = loomux.connect(l.localAddress(), Duration.ofSeconds(5));
                 Connection server = accepted.get(10, TimeUnit.SECONDS)) {
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                server.setReadTimeout(Duration.ofMillis(50));
                expectThrows(java.net.SocketTimeoutException.class, () -> server.read(ByteBuffer.allocate(8)));
                // A bound for the read that must succeed, not a second timeout to race: on a busy
                // machine 50 ms can pass between the write and the wake-up.
                server.setReadTimeout(Duration.ofSeconds(10));
                ByteBuffer[] parts = {ByteBuffer.wrap("ab".getBytes()), ByteBuffer.allocateDirect(3).put("cde".getBytes()).flip()};
                assertEquals(client.write(parts), 5);
                byte[] got = server.inputStream().readNBytes(5);
                assertEquals(new String(got), "abcde", "usable after a read timeout");
            }
            l.close();
        }
    }
}
