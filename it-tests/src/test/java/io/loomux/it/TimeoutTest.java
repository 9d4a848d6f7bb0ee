package io.loomux.it;

import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.Loomux;
import org.testng.annotations.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * Scenario 3: read and write timeouts throw {@link SocketTimeoutException}; after a read timeout
 * the connection still works, after a write timeout the buffer's position is exactly what the
 * peer receives. Also: accept and connect time out with the same exception.
 */
public class TimeoutTest extends BackendTestBase {

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void readTimesOutThenStillReads(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        // Both ways a connection is made: accepted by a loomux listener, and connected by loomux.
        checkReadTimeout(rt, acceptedPair(rt, 0), backend + ", accepted connection");
        checkReadTimeout(rt, connectedPair(rt, 0), backend + ", connected connection");
    }

    private static void checkReadTimeout(Loomux rt, Pair pair, String what) throws Exception {
        Connection c = pair.loomux();
        assertEquals(c.readTimeout(), Duration.ZERO, what + ": default read timeout");
        assertEquals(c.setReadTimeout(Duration.ofMillis(200)), c, what + ": setReadTimeout returns this");
        assertEquals(c.readTimeout(), Duration.ofMillis(200), what);
        ByteBuffer dst = ByteBuffer.allocate(64);
        // Twice: a timeout must leave the wait state clean for the next wait.
        for (int round = 0; round < 2; round++) {
            long timeouts = rt.stats().timeouts();
            long t0 = System.nanoTime();
            SocketTimeoutException e = expectThrows(SocketTimeoutException.class, () -> c.read(dst));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms >= 190 && ms < 5_000, what + ": read timed out after " + ms + " ms, set 200 ms (" + e + ")");
            assertTrue(c.isOpen(), what + ": a read timeout must not close the connection");
            assertEquals(dst.position(), 0, what + ": bytes appeared in the buffer");
            assertTrue(rt.stats().timeouts() > timeouts, what + ": RuntimeStats.timeouts did not count it: " + rt.stats());
        }
        byte[] hello = "still usable".getBytes(StandardCharsets.US_ASCII);
        pair.peer().getOutputStream().write(hello);
        ByteBuffer got = ByteBuffer.allocate(hello.length);
        Io.readFully(c, got);
        Io.assertSameBytes(hello, got.array(), what + ": data after a read timeout");
        // And the other direction still works too.
        c.write(ByteBuffer.wrap(hello));
        byte[] back = new byte[hello.length];
        Io.readFully(pair.peer().getInputStream(), back, 0, back.length);
        Io.assertSameBytes(hello, back, what + ": write after a read timeout");
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void writeTimesOutAndPositionIsWhatWasSent(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        checkWriteTimeout(rt, acceptedPair(rt, 8 * 1024), backend + ", accepted connection");
        checkWriteTimeout(rt, connectedPair(rt, 8 * 1024), backend + ", connected connection");
    }

    private static void checkWriteTimeout(Loomux rt, Pair pair, String what) throws Exception {
        Connection c = pair.loomux();
        c.setOption(StandardSocketOptions.SO_SNDBUF, 8 * 1024);
        assertEquals(c.writeTimeout(), Duration.ZERO, what + ": default write timeout");
        c.setWriteTimeout(Duration.ofMillis(300));
        assertEquals(c.writeTimeout(), Duration.ofMillis(300), what);
        int size = 8 * 1024 * 1024;
        byte[] data = new byte[size];
        Io.fillPattern(data, size, 0);
        ByteBuffer src = ByteBuffer.wrap(data);
        long timeouts = rt.stats().timeouts();
        long t0 = System.nanoTime();
        SocketTimeoutException e = expectThrows(SocketTimeoutException.class, () -> c.write(src));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        int written = src.position();
        System.out.println(what + ": write timed out after " + ms + " ms with " + written + " of " + size + " B written: " + e);
        assertTrue(ms >= 290 && ms < 5_000, what + ": write timed out after " + ms + " ms, set 300 ms");
        assertTrue(written > 0 && written < size, what + ": position after the timeout is " + written);
        assertTrue(rt.stats().timeouts() > timeouts, what + ": RuntimeStats.timeouts did not count it: " + rt.stats());
        // The peer receives exactly the bytes before the position, and nothing after them.
        InputStream in = pair.peer().getInputStream();
        byte[] got = new byte[written];
        Io.readFully(in, got, 0, written);
        Io.checkPattern(got, written, 0, what + ": bytes the peer received");
        pair.peer().setSoTimeout(300);
        expectThrows(SocketTimeoutException.class, in::read);
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void acceptTimesOutThenStillAccepts(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Listener listener = track(rt.listen(new InetSocketAddress(LOOPBACK, 0)));
        long timeouts = rt.stats().timeouts();
        long t0 = System.nanoTime();
        expectThrows(SocketTimeoutException.class, () -> listener.accept(Duration.ofMillis(200)));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 190 && ms < 5_000, backend + ": accept timed out after " + ms + " ms, set 200 ms");
        assertTrue(listener.isOpen(), backend + ": an accept timeout must not close the listener");
        assertTrue(rt.stats().timeouts() > timeouts, backend + ": RuntimeStats.timeouts " + rt.stats());
        try (Socket client = Io.jdkConnect(listener.localAddress(), 10_000);
             Connection c = listener.accept(Duration.ofSeconds(10))) {
            assertEquals(c.remoteAddress(), client.getLocalSocketAddress(), backend + ": accepted peer address");
            assertEquals(c.localAddress(), client.getRemoteSocketAddress(), backend + ": accepted local address");
        }
    }

    /**
     * A loopback connect hangs when the listener's accept queue is full (Linux drops the SYN), so
     * fill one that never accepts; the JDK's own client shows first that this hangs here.
     */
    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void connectTimesOut(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        java.net.ServerSocket ss = track(new java.net.ServerSocket());
        ss.bind(new InetSocketAddress(LOOPBACK, 0), 1);
        InetSocketAddress addr = (InetSocketAddress) ss.getLocalSocketAddress();
        boolean hung = false;
        for (int i = 0; i < 64 && !hung; i++) {
            Socket filler = track(new Socket());
            try {
                filler.connect(addr, 300);
            } catch (SocketTimeoutException e) {
                hung = true;
            }
        }
        if (!hung) {
            throw new org.testng.SkipException("could not make a loopback connect hang by filling a backlog-1 listener");
        }
        long timeouts = rt.stats().timeouts();
        long t0 = System.nanoTime();
        SocketTimeoutException e = expectThrows(SocketTimeoutException.class,
                () -> track(rt.connect(addr, Duration.ofMillis(300))));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 290 && ms < 5_000, backend + ": connect timed out after " + ms + " ms, set 300 ms (" + e + ")");
        assertTrue(rt.stats().timeouts() > timeouts, backend + ": RuntimeStats.timeouts " + rt.stats());
        assertFalse(e.getMessage() == null || e.getMessage().isBlank(), backend + ": connect timeout without a message");
    }
}
