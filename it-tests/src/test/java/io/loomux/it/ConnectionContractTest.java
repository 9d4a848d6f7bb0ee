package io.loomux.it;

import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.Loomux;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * The rest of the {@link Connection} and {@link Listener} contract, end to end on every backend:
 * who gets which exception when an interrupt closes a connection (measured against the JDK's
 * SocketChannel), wake-ups by the peer's FIN and RST, shutdownInput, the stream views, empty
 * buffers, gathering writes, full duplex, closing the runtime, unbounded timeouts, concurrent
 * accepts and socket options.
 */
public class ConnectionContractTest extends BackendTestBase {

    static final Duration PROMPTLY = Duration.ofSeconds(3);
    static final int SMALL = 8 * 1024;

    /** Classes of what a parked reader (interrupted), a parked writer and a later read got. */
    private List<Class<?>> interruptOutcomes(ByteChannel ch, String what) {
        Running reader = startVirtual("reader", () -> ch.read(ByteBuffer.allocate(64)));
        // A loop: on a virtual thread the JDK's blocking SocketChannel.write may return after a
        // partial write; loomux's writes everything in one call.
        Running writer = startVirtual("writer", () -> {
            ByteBuffer big = ByteBuffer.allocate(16 * 1024 * 1024);
            for (int guard = 0; big.hasRemaining() && guard < 16 * 1024 * 1024; guard++) {
                ch.write(big);
            }
            return big.position();
        });
        awaitParked(reader);
        awaitParked(writer);
        reader.thread().interrupt();
        Throwable r = reader.failure(PROMPTLY, what + ": interrupted reader");
        Throwable w = writer.failure(PROMPTLY, what + ": writer parked while the reader was interrupted");
        Throwable later = expectThrows(IOException.class, () -> ch.read(ByteBuffer.allocate(1)));
        return List.of(r.getClass(), w.getClass(), later.getClass());
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void interruptClosesButOnlyTheInterruptedThreadGetsClosedByInterrupt(Backend backend) throws Exception {
        List<Class<?>> jdk;
        try (ServerSocketChannel ssc = ServerSocketChannel.open()) {
            ssc.bind(new InetSocketAddress(LOOPBACK, 0));
            Socket peer = track(new Socket());
            peer.setReceiveBufferSize(SMALL);
            peer.connect(ssc.getLocalAddress());
            try (SocketChannel ch = ssc.accept()) {
                ch.setOption(StandardSocketOptions.SO_SNDBUF, SMALL);
                jdk = interruptOutcomes(ch, "JDK SocketChannel");
            }
        }
        // The JDK's writer loops over partial writes, so the close can find it parked
        // (AsynchronousCloseException) or between two writes (ClosedChannelException); either
        // way not ClosedByInterruptException, which only the interrupted thread gets.
        assertEquals(jdk.get(0), ClosedByInterruptException.class, "what the JDK does (reference): " + jdk);
        assertTrue(jdk.get(1) == AsynchronousCloseException.class || jdk.get(1) == ClosedChannelException.class,
                "what the JDK does (reference): " + jdk);
        assertEquals(jdk.get(2), ClosedChannelException.class, "what the JDK does (reference): " + jdk);

        Loomux rt = runtime(backend);
        Pair pair = acceptedPair(rt, SMALL);
        pair.loomux().setOption(StandardSocketOptions.SO_SNDBUF, SMALL);
        List<Class<?>> loomux = interruptOutcomes(pair.loomux(), backend.toString());
        // loomux's write is one call that stays parked until the close, as a parked JDK write does
        assertEquals(loomux, List.of(ClosedByInterruptException.class, AsynchronousCloseException.class,
                ClosedChannelException.class), backend + ": [interrupted reader, parked writer, later read] should get what the"
                + " JDK's SocketChannel throws; only the interrupted thread gets ClosedByInterruptException");
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void peerFinWakesParkedReader(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        for (Pair pair : new Pair[] {acceptedPair(rt, 0), connectedPair(rt, 0)}) {
            Connection c = pair.loomux();
            Running reader = startVirtual("reader", () -> c.read(ByteBuffer.allocate(64)));
            awaitParked(reader);
            pair.peer().shutdownOutput();
            await(backend + ": the parked reader sees end of stream").atMost(PROMPTLY).until(reader.result()::isDone);
            assertEquals(reader.result().join(), -1, backend + ": read after the peer's FIN");
            assertTrue(c.isOpen(), backend.toString());
        }
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void peerResetWakesParkedWriter(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair pair = acceptedPair(rt, SMALL);
        Connection c = pair.loomux();
        c.setOption(StandardSocketOptions.SO_SNDBUF, SMALL);
        Running writer = startVirtual("writer", () -> c.write(ByteBuffer.allocate(16 * 1024 * 1024)));
        awaitParked(writer);
        // The peer closes with unread data queued: the kernel answers with a reset.
        pair.peer().setSoLinger(true, 0);
        pair.peer().close();
        Throwable t = writer.failure(PROMPTLY, backend + ": writer after the peer's reset");
        if (!(t instanceof IOException) || t instanceof ClosedChannelException) {
            throw new AssertionError(backend + ": a parked writer whose peer reset should get a socket error, got " + t, t);
        }
        System.out.println(getTestName() + ": parked writer after peer reset: " + t);
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void shutdownInputMakesReadsReturnEof(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        // After a short read, then directly.
        Pair pair = acceptedPair(rt, 0);
        Connection c = pair.loomux();
        c.setReadTimeout(Duration.ofSeconds(5));
        pair.peer().getOutputStream().write(new byte[] {1, 2, 3});
        ByteBuffer three = ByteBuffer.allocate(3);
        Io.readFully(c, three);
        c.shutdownInput();
        assertEquals(c.read(ByteBuffer.allocate(64)), -1, backend + ": read after shutdownInput");
        assertTrue(c.isOpen(), backend + ": shutdownInput does not close");
        c.write(ByteBuffer.wrap(new byte[] {9}));
        assertEquals(pair.peer().getInputStream().read(), 9, backend + ": writing still works after shutdownInput");

        // A reader parked when another thread shuts the input down.
        Pair other = connectedPair(rt, 0);
        Connection d = other.loomux();
        d.setReadTimeout(Duration.ofSeconds(5));
        Running reader = startVirtual("reader", () -> d.read(ByteBuffer.allocate(64)));
        awaitParked(reader);
        d.shutdownInput();
        await(backend + ": the parked reader wakes").atMost(PROMPTLY).until(reader.result()::isDone);
        assertEquals(reader.result().join(), -1, backend + ": parked read after shutdownInput");
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void streamViewsMoveEveryByteValue(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair pair = acceptedPair(rt, 0);
        Connection c = pair.loomux();
        c.setReadTimeout(Duration.ofSeconds(5));
        InputStream in = c.inputStream();
        OutputStream out = c.outputStream();
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        pair.peer().getOutputStream().write(all);
        for (int i = 0; i < 256; i++) {
            assertEquals(in.read(), i, backend + ": InputStream.read() of byte value " + i);
        }
        assertEquals(in.available(), 0, backend + ": available()");
        for (int i = 0; i < 256; i++) {
            out.write(i);
        }
        out.write(all, 10, 20);
        out.flush();
        byte[] got = new byte[276];
        Io.readFully(pair.peer().getInputStream(), got, 0, got.length);
        for (int i = 0; i < 256; i++) {
            assertEquals(got[i] & 0xFF, i, backend + ": OutputStream.write(int) of " + i);
        }
        for (int i = 0; i < 20; i++) {
            assertEquals(got[256 + i] & 0xFF, 10 + i, backend + ": OutputStream.write(b, 10, 20)");
        }
        pair.peer().shutdownOutput();
        assertEquals(in.read(new byte[8]), -1, backend + ": InputStream end of stream");
        in.close();
        assertFalse(c.isOpen(), backend + ": closing the InputStream closes the connection");
        expectThrows(IOException.class, () -> out.write(1));
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void emptyBuffers(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair pair = acceptedPair(rt, 0);
        Connection c = pair.loomux();
        assertEquals(c.read(ByteBuffer.allocate(0)), 0, backend + ": read into a full buffer");
        assertEquals(c.write(ByteBuffer.allocate(0)), 0, backend + ": write of nothing");
        assertEquals(c.write(new ByteBuffer[] {ByteBuffer.allocate(0), ByteBuffer.allocate(0)}), 0L,
                backend + ": gathering write of nothing");
        c.close();
        expectThrows(ClosedChannelException.class, () -> c.read(ByteBuffer.allocate(0)));
        expectThrows(ClosedChannelException.class, () -> c.write(ByteBuffer.allocate(0)));
        expectThrows(ClosedChannelException.class, () -> c.setOption(StandardSocketOptions.TCP_NODELAY, true));
        expectThrows(ClosedChannelException.class, c::shutdownOutput);
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void gatheringWriteKeepsOrderAcrossPartialWrites(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair pair = acceptedPair(rt, SMALL);
        Connection c = pair.loomux();
        c.setOption(StandardSocketOptions.SO_SNDBUF, SMALL);
        long seed = Long.getLong("loomux.it.seed", System.nanoTime());
        Random random = new Random(seed);
        ByteBuffer[] bufs = new ByteBuffer[40];
        long total = 0;
        for (int i = 0; i < bufs.length; i++) {
            // Odd sizes, some empty, heap and direct, each a slice with a nonzero position.
            int size = i % 7 == 3 ? 0 : 1 + random.nextInt(200 * 1024);
            ByteBuffer b = (i % 2 == 0 ? ByteBuffer.allocate(size + 5) : ByteBuffer.allocateDirect(size + 5));
            b.position(5);
            byte[] part = new byte[size];
            Io.fillPattern(part, size, total);
            b.put(part).flip().position(5);
            bufs[i] = b;
            total += size;
        }
        String what = backend + " (seed " + seed + ", " + total + " B in " + bufs.length + " buffers)";
        long expected = total;
        // Offset 0 and length all, with a leading buffer excluded by offset to check the bounds.
        ByteBuffer excluded = ByteBuffer.wrap(new byte[] {42, 42, 42});
        ByteBuffer[] withExtra = new ByteBuffer[bufs.length + 1];
        withExtra[0] = excluded;
        System.arraycopy(bufs, 0, withExtra, 1, bufs.length);
        Running writer = startVirtual("writer", () -> c.write(withExtra, 1, bufs.length));
        byte[] got = new byte[(int) total];
        Io.readFully(pair.peer().getInputStream(), got, 0, got.length);
        Io.checkPattern(got, got.length, 0, what);
        await(what + ": the gathering write returns").atMost(Duration.ofSeconds(10)).until(writer.result()::isDone);
        assertEquals(writer.result().join(), expected, what + ": count returned");
        for (ByteBuffer b : bufs) {
            assertFalse(b.hasRemaining(), what + ": a buffer left with bytes");
        }
        assertEquals(excluded.remaining(), 3, what + ": a buffer before offset was touched");
        pair.peer().setSoTimeout(200);
        expectThrows(java.net.SocketTimeoutException.class, () -> pair.peer().getInputStream().read());
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void fullDuplexOnOneConnection(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair pair = connectedPair(rt, SMALL);
        Connection c = pair.loomux();
        // Small buffers make both directions wait often. (Only SO_SNDBUF here: shrinking SO_RCVBUF
        // after the handshake leaves the peer's segments larger than the window, and TCP crawls.)
        c.setOption(StandardSocketOptions.SO_SNDBUF, SMALL);
        c.setReadTimeout(Duration.ofSeconds(20)).setWriteTimeout(Duration.ofSeconds(20));
        int size = 8 * 1024 * 1024;
        // Bytes moved so far in each of the four streams, for the failure message.
        AtomicLong loomuxWrote = new AtomicLong();
        AtomicLong loomuxRead = new AtomicLong();
        AtomicLong peerWrote = new AtomicLong();
        AtomicLong peerRead = new AtomicLong();
        // loomux writes and reads at once, on two threads; so does the JDK peer.
        Running lw = startVirtual("loomux-writer", () -> {
            byte[] chunk = new byte[50_000];
            for (long off = 0; off < size; off += chunk.length) {
                int n = (int) Math.min(chunk.length, size - off);
                Io.fillPattern(chunk, n, off);
                c.write(ByteBuffer.wrap(chunk, 0, n));
                loomuxWrote.addAndGet(n);
            }
            return "done";
        });
        Running lr = startVirtual("loomux-reader", () -> {
            ByteBuffer buf = ByteBuffer.allocate(30_000);
            for (int guard = 0; loomuxRead.get() < size && guard <= size; guard++) {
                buf.clear();
                int n = c.read(buf);
                if (n < 0) {
                    throw new AssertionError("end of stream after " + loomuxRead.get());
                }
                Io.checkPattern(buf.array(), n, loomuxRead.get() + 1_000_000, "loomux reader");
                loomuxRead.addAndGet(n);
            }
            return loomuxRead.get();
        });
        Running pw = startVirtual("peer-writer", () -> {
            OutputStream out = pair.peer().getOutputStream();
            byte[] chunk = new byte[70_000];
            for (long off = 0; off < size; off += chunk.length) {
                int n = (int) Math.min(chunk.length, size - off);
                Io.fillPattern(chunk, n, off + 1_000_000);
                out.write(chunk, 0, n);
                peerWrote.addAndGet(n);
            }
            return "done";
        });
        Running pr = startVirtual("peer-reader", () -> {
            byte[] buf = new byte[40_000];
            InputStream in = pair.peer().getInputStream();
            for (int guard = 0; peerRead.get() < size && guard <= size; guard++) {
                int n = in.read(buf);
                if (n < 0) {
                    throw new AssertionError("peer end of stream after " + peerRead.get());
                }
                Io.checkPattern(buf, n, peerRead.get(), "peer reader");
                peerRead.addAndGet(n);
            }
            return peerRead.get();
        });
        List<Running> all = List.of(lw, lr, pw, pr);
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5))
                    .until(() -> all.stream().allMatch(r -> r.result().isDone())
                            || all.stream().anyMatch(r -> r.result().isCompletedExceptionally()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // A hang: the assertions below say who was stuck where.
        }
        String state = backend + ": loomux wrote " + loomuxWrote + ", peer read " + peerRead + "; peer wrote "
                + peerWrote + ", loomux read " + loomuxRead + " of " + size + " each way; " + describe(all);
        for (Running r : all) {
            assertTrue(r.result().isDone() && !r.result().isCompletedExceptionally(), state);
        }
        assertEquals(lw.result().join(), "done");
        assertEquals(lr.result().join(), (long) size);
        assertEquals(pw.result().join(), "done");
        assertEquals(pr.result().join(), (long) size);
    }

    private static String describe(List<Running> all) {
        StringBuilder sb = new StringBuilder();
        for (Running r : all) {
            sb.append(r.thread().getName()).append('=');
            if (!r.result().isDone()) {
                sb.append(r.thread().getState());
            } else {
                try {
                    sb.append("returned ").append(r.result().join());
                } catch (java.util.concurrent.CompletionException e) {
                    sb.append("threw ").append(e.getCause());
                }
            }
            sb.append("; ");
        }
        return sb.toString();
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void closingTheRuntimeWakesEveryWaiter(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Listener listener = track(rt.listen(new InetSocketAddress(LOOPBACK, 0)));
        Pair pair = acceptedPair(rt, SMALL);
        Connection c = pair.loomux();
        c.setOption(StandardSocketOptions.SO_SNDBUF, SMALL);
        Running acceptor = startVirtual("acceptor", listener::accept);
        Running reader = startVirtual("reader", () -> c.read(ByteBuffer.allocate(64)));
        Running writer = startVirtual("writer", () -> c.write(ByteBuffer.allocate(16 * 1024 * 1024)));
        awaitParked(acceptor);
        awaitParked(reader);
        awaitParked(writer);
        rt.close();
        for (Running r : List.of(acceptor, reader, writer)) {
            Throwable t = r.failure(PROMPTLY, backend + ": " + r.thread().getName() + " after Loomux.close()");
            if (!(t instanceof AsynchronousCloseException) || t instanceof ClosedByInterruptException) {
                throw new AssertionError(backend + ": " + r.thread().getName() + " woken by Loomux.close() should get"
                        + " AsynchronousCloseException, got " + t, t);
            }
        }
        assertFalse(c.isOpen(), backend + ": connection open after Loomux.close()");
        assertFalse(listener.isOpen(), backend + ": listener open after Loomux.close()");
        // The writer's bytes in flight, then end of stream.
        Io.drainToEof(pair.peer().getInputStream(), 16 * 1024 * 1024);
        expectThrows(IOException.class, () -> track(rt.listen(new InetSocketAddress(LOOPBACK, 0))));
        expectThrows(IOException.class, () -> track(rt.connect(new InetSocketAddress(LOOPBACK, 1), Duration.ofSeconds(1))));
        rt.close(); // idempotent
    }

    /**
     * A Duration too long for nanoseconds (say {@code ChronoUnit.FOREVER.getDuration()}) means no
     * limit, as the Javadoc's "zero or negative waits without limit" implies for the longest
     * ones; it must not throw {@link ArithmeticException}.
     */
    static final Duration FOREVER = Duration.ofSeconds(Long.MAX_VALUE);

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void hugeAcceptTimeoutWaitsWithoutLimit(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Listener listener = track(rt.listen(new InetSocketAddress(LOOPBACK, 0)));
        Running acceptor = startVirtual("acceptor", () -> track(listener.accept(FOREVER)));
        awaitParked(acceptor);
        track(Io.jdkConnect(listener.localAddress(), 10_000));
        await(backend + ": accept(huge timeout) returns").atMost(PROMPTLY).until(acceptor.result()::isDone);
        assertTrue(((Connection) acceptor.result().join()).isOpen(), backend.toString());
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void hugeConnectTimeoutConnects(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        try (ServerSocket ss = new ServerSocket(0, 50, LOOPBACK)) {
            Connection c = track(rt.connect((InetSocketAddress) ss.getLocalSocketAddress(), FOREVER));
            assertTrue(c.isOpen(), backend.toString());
        }
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void hugeReadAndWriteTimeoutsWork(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair pair = acceptedPair(rt, 0);
        Connection c = pair.loomux().setReadTimeout(FOREVER).setWriteTimeout(FOREVER);
        Running reader = startVirtual("reader", () -> c.read(ByteBuffer.allocate(1)));
        awaitParked(reader);
        pair.peer().getOutputStream().write(7);
        await(backend + ": read with a huge timeout returns").atMost(PROMPTLY).until(reader.result()::isDone);
        assertEquals(reader.result().join(), 1);
        assertEquals(c.write(ByteBuffer.wrap(new byte[] {8})), 1);
        assertEquals(pair.peer().getInputStream().read(), 8);
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void interruptOfParkedAcceptClosesListener(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Listener listener = track(rt.listen(new InetSocketAddress(LOOPBACK, 0)));
        Running acceptor = startVirtual("acceptor", listener::accept);
        awaitParked(acceptor);
        acceptor.thread().interrupt();
        Throwable t = acceptor.failure(PROMPTLY, backend + ": accept after interrupt");
        if (!(t instanceof ClosedByInterruptException)) {
            throw new AssertionError(backend + ": expected ClosedByInterruptException, got " + t, t);
        }
        assertFalse(listener.isOpen(), backend + ": the listener should be closed by the interrupt");
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void concurrentAcceptsGetDistinctConnections(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Listener listener = track(rt.listen(new InetSocketAddress(LOOPBACK, 0)));
        int n = 4;
        List<Running> acceptors = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            acceptors.add(startVirtual("acceptor-" + i, () -> track(listener.accept(Duration.ofSeconds(10)))));
        }
        Set<Integer> clientPorts = new HashSet<>();
        for (int i = 0; i < n; i++) {
            clientPorts.add(track(Io.jdkConnect(listener.localAddress(), 10_000)).getLocalPort());
        }
        await(backend + ": every acceptor gets one").atMost(Duration.ofSeconds(10))
                .until(() -> acceptors.stream().allMatch(a -> a.result().isDone()));
        Set<Integer> acceptedPorts = new HashSet<>();
        for (Running a : acceptors) {
            acceptedPorts.add(((Connection) a.result().join()).remoteAddress().getPort());
        }
        assertEquals(acceptedPorts, clientPorts, backend + ": each client accepted exactly once");
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void socketOptions(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        try (ServerSocket ss = new ServerSocket(0, 50, LOOPBACK)) {
            Map<SocketOption<?>, ?> options = Map.of(StandardSocketOptions.TCP_NODELAY, true,
                    StandardSocketOptions.SO_KEEPALIVE, true);
            Connection c = track(rt.connect((InetSocketAddress) ss.getLocalSocketAddress(), Duration.ofSeconds(5), options));
            track(ss.accept());
            assertEquals(c.getOption(StandardSocketOptions.TCP_NODELAY), Boolean.TRUE, backend + ": TCP_NODELAY from connect options");
            assertEquals(c.getOption(StandardSocketOptions.SO_KEEPALIVE), Boolean.TRUE, backend + ": SO_KEEPALIVE from connect options");
            c.setOption(StandardSocketOptions.TCP_NODELAY, false);
            assertEquals(c.getOption(StandardSocketOptions.TCP_NODELAY), Boolean.FALSE, backend + ": TCP_NODELAY set");
            Integer rcv = c.getOption(StandardSocketOptions.SO_RCVBUF);
            assertNotNull(rcv);
            assertTrue(rcv > 0, backend + ": SO_RCVBUF " + rcv);
            assertEquals(c.remoteAddress(), ss.getLocalSocketAddress(), backend + ": remoteAddress");
            assertEquals(c.localAddress().getAddress(), LOOPBACK, backend + ": localAddress");
        }
    }
}
