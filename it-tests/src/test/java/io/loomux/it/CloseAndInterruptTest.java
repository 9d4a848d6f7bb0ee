package io.loomux.it;

import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.Loomux;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * Scenarios 4 and 5: a thread parked in read or write wakes promptly when another thread closes
 * the connection ({@link AsynchronousCloseException}) or interrupts it
 * ({@link ClosedByInterruptException}, which closes the connection).
 */
public class CloseAndInterruptTest extends BackendTestBase {

    static final Duration PROMPTLY = Duration.ofSeconds(3);

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void closeWakesParkedReader(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair pair = acceptedPair(rt, 0);
        Connection c = pair.loomux();
        long parks = rt.stats().parks();
        Running reader = startVirtual("reader", () -> c.read(ByteBuffer.allocate(64)));
        awaitParkedIn(rt, reader, parks, backend);

        c.close();
        Throwable t = reader.failure(PROMPTLY, backend + ": reader after close");
        assertAsyncClose(t, backend + ": reader woken by close");
        assertFalse(c.isOpen(), backend + ": isOpen after close");
        assertEquals(pair.peer().getInputStream().read(), -1, backend + ": the peer should see end of stream");
        assertClosedNow(c, backend.toString());
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void closeWakesParkedWriter(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair pair = acceptedPair(rt, 8 * 1024);
        Connection c = pair.loomux();
        c.setOption(StandardSocketOptions.SO_SNDBUF, 8 * 1024);
        long parks = rt.stats().parks();
        ByteBuffer big = ByteBuffer.allocate(16 * 1024 * 1024);
        Running writer = startVirtual("writer", () -> c.write(big));
        awaitParkedIn(rt, writer, parks, backend);
        assertTrue(big.position() < big.capacity(), backend + ": the writer should be stuck, peer is not reading");

        c.close();
        Throwable t = writer.failure(PROMPTLY, backend + ": writer after close");
        assertAsyncClose(t, backend + ": writer woken by close");
        assertFalse(c.isOpen(), backend + ": isOpen after close");
        assertPeerSeesEnd(pair.peer().getInputStream(), big.capacity(), backend.toString());
        assertClosedNow(c, backend.toString());
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void closeWakesParkedAccept(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Listener listener = track(rt.listen(new InetSocketAddress(LOOPBACK, 0)));
        long parks = rt.stats().parks();
        Running acceptor = startVirtual("acceptor", listener::accept);
        awaitParkedIn(rt, acceptor, parks, backend);
        listener.close();
        Throwable t = acceptor.failure(PROMPTLY, backend + ": accept after close");
        assertAsyncClose(t, backend + ": accept woken by close");
        assertFalse(listener.isOpen(), backend + ": listener isOpen after close");
        expectThrows(ClosedChannelException.class, listener::accept);
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void interruptOfParkedReaderClosesConnection(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair pair = connectedPair(rt, 0);
        Connection c = pair.loomux();
        AtomicBoolean interruptStatusSet = new AtomicBoolean();
        long parks = rt.stats().parks();
        Running reader = startVirtual("reader", () -> {
            try {
                return c.read(ByteBuffer.allocate(64));
            } finally {
                interruptStatusSet.set(Thread.currentThread().isInterrupted());
            }
        });
        awaitParkedIn(rt, reader, parks, backend);

        reader.thread().interrupt();
        Throwable t = reader.failure(PROMPTLY, backend + ": reader after interrupt");
        if (!(t instanceof ClosedByInterruptException)) {
            throw new AssertionError(backend + ": expected ClosedByInterruptException, got " + t, t);
        }
        assertTrue(interruptStatusSet.get(), backend + ": the thread's interrupt status should stay set, as InterruptibleChannel does");
        assertFalse(c.isOpen(), backend + ": an interrupt in read must close the connection");
        assertEquals(pair.peer().getInputStream().read(), -1, backend + ": the peer should see end of stream");
        // Which subclass a later caller gets is checked by
        // ConnectionContractTest.interruptClosesButOnlyTheInterruptedThreadGetsClosedByInterrupt.
        expectThrows(ClosedChannelException.class, () -> c.read(ByteBuffer.allocate(1)));
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void interruptOfParkedWriterClosesConnection(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair pair = connectedPair(rt, 8 * 1024);
        Connection c = pair.loomux();
        c.setOption(StandardSocketOptions.SO_SNDBUF, 8 * 1024);
        long parks = rt.stats().parks();
        ByteBuffer big = ByteBuffer.allocate(16 * 1024 * 1024);
        Running writer = startVirtual("writer", () -> c.write(big));
        awaitParkedIn(rt, writer, parks, backend);

        writer.thread().interrupt();
        Throwable t = writer.failure(PROMPTLY, backend + ": writer after interrupt");
        if (!(t instanceof ClosedByInterruptException)) {
            throw new AssertionError(backend + ": expected ClosedByInterruptException, got " + t, t);
        }
        assertFalse(c.isOpen(), backend + ": an interrupt in write must close the connection");
        assertPeerSeesEnd(pair.peer().getInputStream(), big.capacity(), backend.toString());
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void interruptedThreadEnteringReadClosesConnection(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair pair = acceptedPair(rt, 0);
        Connection c = pair.loomux();
        Running reader = startVirtual("reader", () -> {
            Thread.currentThread().interrupt();
            return c.read(ByteBuffer.allocate(64));
        });
        Throwable t = reader.failure(PROMPTLY, backend + ": read entered with the interrupt status set");
        if (!(t instanceof ClosedByInterruptException)) {
            throw new AssertionError(backend + ": expected ClosedByInterruptException, got " + t, t);
        }
        assertFalse(c.isOpen(), backend + ": isOpen");
        assertEquals(pair.peer().getInputStream().read(), -1, backend + ": the peer should see end of stream");
    }

    /** Waits until the thread is parked and the runtime counted a park since {@code parksBefore}. */
    private static void awaitParkedIn(Loomux rt, Running r, long parksBefore, Backend backend) {
        awaitParked(r);
        await(backend + ": RuntimeStats.parks counts the wait").atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(2))
                .until(() -> rt.stats().parks() > parksBefore);
        assertFalse(r.result().isDone(), backend + ": the call ended instead of blocking: " + r.result());
    }

    private static void assertAsyncClose(Throwable t, String what) {
        if (!(t instanceof AsynchronousCloseException) || t instanceof ClosedByInterruptException) {
            throw new AssertionError(what + ": expected AsynchronousCloseException, got " + t, t);
        }
        assertTrue(t instanceof IOException, what);
    }

    /** After close: ClosedChannelException, and closing again is harmless. */
    private static void assertClosedNow(Connection c, String what) throws IOException {
        ClosedChannelException e = expectThrows(ClosedChannelException.class, () -> c.read(ByteBuffer.allocate(1)));
        assertFalse(e instanceof AsynchronousCloseException, what + ": read after close should throw a plain ClosedChannelException: " + e);
        expectThrows(ClosedChannelException.class, () -> c.write(ByteBuffer.allocate(1)));
        c.close();
    }

    /** The peer reads what was in flight, then end of stream (or a reset: the connection ended). */
    private static void assertPeerSeesEnd(InputStream in, long max, String what) throws IOException {
        try {
            Io.drainToEof(in, max);
        } catch (SocketException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("reset"), what + ": peer got " + e);
        }
    }
}
