package io.loomux.epoll;

import io.loomux.spi.Events;
import io.loomux.spi.Handle;
import io.loomux.spi.ListenerHandle;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.PollSet;
import io.loomux.spi.SocketHandle;
import org.testng.SkipException;
import org.testng.annotations.AfterClass;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.loomux.epoll.EpollTesting.Collector;
import static io.loomux.epoll.EpollTesting.WAIT;
import static io.loomux.epoll.EpollTesting.loopback4;
import static io.loomux.epoll.EpollTesting.pollUntil;
import static io.loomux.epoll.EpollTesting.pollUntilAny;
import static io.loomux.epoll.EpollTesting.show;
import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * The SPI directly: sockets, readiness reports, errors. No blocking layer involved.
 */
public class EpollSocketsTest {

    private Multiplexer mux;
    private PollSet ps;
    private Collector c;
    private final List<Handle> opened = new ArrayList<>();

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

    @BeforeMethod
    public void openPollSet() throws IOException {
        ps = mux.openPollSet();
        c = new Collector();
    }

    @AfterMethod(alwaysRun = true)
    public void closeAll() throws IOException {
        for (Handle h : opened) {
            EpollRegistration r = ((FdHandle) h).registration;
            if (r != null) {
                r.cancel();
            }
            h.close();
        }
        opened.clear();
        if (ps != null) {
            ps.close();
        }
    }

    private <H extends Handle> H track(H h) {
        opened.add(h);
        return h;
    }

    /** A listener, a client and the accepted server side, all registered with {@link #ps}. */
    record Pair(ListenerHandle listener, SocketHandle client, SocketHandle server) {
    }

    private Pair pair(InetSocketAddress bind, InetAddress connectTo, Map<SocketOption<?>, ?> clientOptions)
            throws IOException {
        ListenerHandle l = track(mux.listen(bind, 0, Map.of(StandardSocketOptions.SO_REUSEADDR, true)));
        ps.register(l, "L");
        InetSocketAddress target = new InetSocketAddress(connectTo, l.localAddress().getPort());
        SocketHandle client = track(mux.connect(target, clientOptions));
        ps.register(client, "C");
        await().atMost(WAIT).pollInSameThread().until(() -> {
            ps.poll(10, c);
            return client.finishConnect();
        });
        pollUntil(ps, c, "L", Events.READABLE);
        SocketHandle server = track(l.accept());
        assertTrue(server != null, "a connection was pending");
        ps.register(server, "S");
        c.clear();
        return new Pair(l, client, server);
    }

    private Pair pair4() throws IOException {
        return pair(loopback4(), InetAddress.getLoopbackAddress(), Map.of());
    }

    private static ByteBuffer direct(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocateDirect(b.length).put(b).flip();
    }

    private static String text(ByteBuffer b) {
        b.flip();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return new String(out, StandardCharsets.US_ASCII);
    }

    private void roundTrip(Pair p) throws IOException {
        assertEquals(p.client().write(direct("hello")), 5);
        pollUntil(ps, c, "S", Events.READABLE);
        ByteBuffer in = ByteBuffer.allocateDirect(64);
        assertEquals(p.server().read(in), 5);
        assertEquals(text(in), "hello");
        assertEquals(p.server().read(ByteBuffer.allocateDirect(64)), 0, "drained: would block");

        ByteBuffer heap = ByteBuffer.wrap("world!".getBytes(StandardCharsets.US_ASCII));
        assertEquals(p.server().write(heap), 6);
        assertFalse(heap.hasRemaining());
        pollUntil(ps, c, "C", Events.READABLE);
        ByteBuffer heapIn = ByteBuffer.allocate(64);
        assertEquals(p.client().read(heapIn), 6);
        assertEquals(text(heapIn), "world!");

        assertEquals(p.server().remoteAddress(), p.client().localAddress());
        assertEquals(p.client().remoteAddress(), p.server().localAddress());
    }

    @Test
    public void listenConnectAcceptReadWriteIpv4() throws IOException {
        Pair p = pair4();
        assertTrue(p.client().finishConnect());
        assertTrue(p.server().finishConnect(), "accepted sockets are connected");
        roundTrip(p);
        assertTrue(p.server().remoteAddress().getAddress() instanceof Inet4Address);
    }

    private static InetAddress ipv6Loopback() {
        try {
            InetAddress a = InetAddress.getByName("::1");
            new java.net.ServerSocket(0, 1, a).close();
            return a;
        } catch (IOException e) {
            throw new SkipException("no IPv6 loopback here: " + e);
        }
    }

    @Test
    public void listenConnectAcceptReadWriteIpv6() throws IOException {
        InetAddress v6 = ipv6Loopback();
        Pair p = pair(new InetSocketAddress(v6, 0), v6, Map.of());
        roundTrip(p);
        assertTrue(p.server().remoteAddress().getAddress() instanceof Inet6Address);
        assertEquals(p.server().localAddress().getAddress(), v6);
    }

    @Test
    public void ipv6WildcardAcceptsIpv4() throws IOException {
        ipv6Loopback();
        Pair p = pair(new InetSocketAddress(InetAddress.getByName("::"), 0), InetAddress.getByName("127.0.0.1"), Map.of());
        roundTrip(p);
        // An IPv4-mapped peer reads back as IPv4, as the JDK reports it.
        assertEquals(p.server().remoteAddress().getAddress(), InetAddress.getByName("127.0.0.1"));
    }

    @Test
    public void wouldBlockIsZeroAndCounted() throws IOException {
        Pair p = pair4();
        EpollStats before = EpollStats.now();
        assertEquals(p.server().read(ByteBuffer.allocateDirect(16)), 0);
        assertEquals(p.server().read(ByteBuffer.allocate(16)), 0);
        EpollStats d = EpollStats.now().minus(before);
        assertEquals(d.reads(), 2);
        assertEquals(d.readsWouldBlock(), 2);
        assertNull(p.listener().accept(), "no pending connection: null");
    }

    @Test
    public void peerCloseIsReadableThenEndOfStream() throws IOException {
        Pair p = pair4();
        p.client().close();
        int bits = pollUntil(ps, c, "S", Events.READABLE);
        assertTrue((bits & Events.READABLE) != 0, show(bits));
        assertEquals(p.server().read(ByteBuffer.allocateDirect(16)), -1);
        assertEquals(p.server().read(ByteBuffer.allocate(16)), -1);
    }

    @Test
    public void resetIsHangupOrErrorThenConnectionReset() throws IOException {
        Pair p = pair4();
        p.client().setOption(StandardSocketOptions.SO_LINGER, 0);
        p.client().close(); // linger 0: RST instead of FIN
        int bits = pollUntilAny(ps, c, "S", Events.HANGUP | Events.ERROR);
        assertTrue((bits & Events.READABLE) != 0, "a reset also wakes the reader: " + show(bits));
        SocketException e = expectThrows(SocketException.class, () -> p.server().read(ByteBuffer.allocateDirect(16)));
        assertTrue(e.getMessage().startsWith("Connection reset"), e.getMessage());
        assertEquals(e.getMessage(), "Connection reset", "the JDK's exact text");
        assertTrue(e.getCause().getMessage().startsWith("read"), "the cause names the call: " + e.getCause());
    }

    @Test
    public void writeAfterResetIsBrokenPipeOrReset() throws IOException {
        Pair p = pair4();
        p.client().setOption(StandardSocketOptions.SO_LINGER, 0);
        p.client().close();
        pollUntilAny(ps, c, "S", Events.HANGUP | Events.ERROR);
        SocketException e = expectThrows(SocketException.class, () -> p.server().write(direct("x")));
        assertTrue(e.getMessage().startsWith("Connection reset") || e.getMessage().startsWith("Broken pipe"),
                e.getMessage());
    }

    @Test
    public void writableReportedAfterWouldBlock() throws IOException {
        Pair p = pair(loopback4(), InetAddress.getLoopbackAddress(), Map.of(StandardSocketOptions.SO_RCVBUF, 4096));
        p.server().setOption(StandardSocketOptions.SO_SNDBUF, 4096);
        ByteBuffer chunk = ByteBuffer.allocateDirect(64 * 1024);
        EpollStats before = EpollStats.now();
        long written = 0;
        boolean full = false;
        for (int i = 0; i < 10_000 && !full; i++) {
            chunk.clear();
            int n = p.server().write(chunk);
            written += n;
            full = n == 0;
        }
        assertTrue(full, "the send buffer filled up after " + written + " bytes");
        assertTrue(EpollStats.now().minus(before).writesWouldBlock() >= 1);
        c.clear();
        ByteBuffer sink = ByteBuffer.allocateDirect(64 * 1024);
        long[] read = {0};
        // The client drains; the server's buffer frees up and an EPOLLOUT edge follows.
        await().atMost(WAIT).pollInSameThread().pollInterval(java.time.Duration.ofMillis(1)).until(() -> {
            sink.clear();
            int n = p.client().read(sink);
            if (n > 0) {
                read[0] += n;
            }
            ps.poll(5, c);
            return (c.bits("S") & Events.WRITABLE) != 0;
        });
        assertTrue(read[0] > 0);
    }

    @Test
    public void gatheringWriteMixesHeapAndDirectBeyondIovMaxAndScratchSize() throws IOException {
        Pair p = pair4();
        int buffers = Sys.IOV_MAX + 500;
        ByteBuffer[] srcs = new ByteBuffer[buffers];
        ByteBuffer expected = ByteBuffer.allocate(buffers * 150);
        for (int i = 0; i < buffers; i++) {
            int len = 50 + (i % 100); // heap total well over the 64 KiB scratch
            ByteBuffer b = (i % 3 == 0) ? ByteBuffer.allocateDirect(len) : ByteBuffer.allocate(len);
            for (int k = 0; k < len; k++) {
                b.put((byte) (i * 31 + k));
            }
            b.flip();
            expected.put(b.duplicate());
            srcs[i] = b;
        }
        expected.flip();
        int total = expected.remaining();
        ByteBuffer got = ByteBuffer.allocate(total);
        EpollStats before = EpollStats.now();
        long sent = 0;
        // Interleave gathering writes with reads on the peer until everything arrived.
        for (int pass = 0; pass < 100_000 && got.hasRemaining(); pass++) {
            if (sent < total) {
                sent += p.server().write(srcs, 0, srcs.length);
            }
            ByteBuffer room = got.slice(got.position(), Math.min(got.remaining(), 8192));
            int n = p.client().read(room);
            if (n > 0) {
                got.position(got.position() + n);
            }
        }
        assertEquals(sent, total);
        got.flip();
        assertEquals(got, expected, "bytes arrive whole and in order");
        for (ByteBuffer b : srcs) {
            assertFalse(b.hasRemaining(), "positions advanced");
        }
        assertTrue(EpollStats.now().minus(before).writes() >= 2, "more than IOV_MAX buffers need two writevs");
    }

    @Test
    public void largeHeapReadsAndWritesCrossTheScratchSize() throws IOException {
        Pair p = pair4();
        int size = 300 * 1024;
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (i * 7 + (i >> 11));
        }
        ByteBuffer out = ByteBuffer.wrap(data);
        ByteBuffer in = ByteBuffer.allocate(size);
        for (int pass = 0; pass < 100_000 && in.hasRemaining(); pass++) {
            if (out.hasRemaining()) {
                p.client().write(out);
            }
            p.server().read(in);
        }
        assertFalse(in.hasRemaining());
        assertTrue(Arrays.equals(in.array(), data));
    }

    @Test
    public void shutdownOutputAndInput() throws IOException {
        Pair p = pair4();
        p.client().shutdownOutput();
        pollUntil(ps, c, "S", Events.READABLE);
        assertEquals(p.server().read(ByteBuffer.allocateDirect(8)), -1, "the peer shut down its output");
        // The other direction still works.
        assertEquals(p.server().write(direct("late")), 4);
        pollUntil(ps, c, "C", Events.READABLE);
        ByteBuffer in = ByteBuffer.allocate(8);
        assertEquals(p.client().read(in), 4);
        assertEquals(text(in), "late");

        p.client().shutdownInput();
        assertEquals(p.client().read(ByteBuffer.allocateDirect(8)), -1, "input shut down");
    }

    @Test
    public void socketOptions() throws IOException {
        Pair p = pair4();
        SocketHandle s = p.server();
        assertEquals(s.supportedOptions(), Set.of(StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.SO_REUSEADDR,
                StandardSocketOptions.SO_REUSEPORT, StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF,
                StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_LINGER));
        assertEquals(p.listener().supportedOptions(), s.supportedOptions());
        for (SocketOption<Boolean> o : List.of(StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.SO_KEEPALIVE,
                StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_REUSEPORT)) {
            s.setOption(o, true);
            assertEquals(s.getOption(o), Boolean.TRUE, o.name());
            s.setOption(o, false);
            assertEquals(s.getOption(o), Boolean.FALSE, o.name());
        }
        s.setOption(StandardSocketOptions.SO_RCVBUF, 32 * 1024);
        assertTrue(s.getOption(StandardSocketOptions.SO_RCVBUF) >= 32 * 1024, "Linux reports double");
        s.setOption(StandardSocketOptions.SO_SNDBUF, 32 * 1024);
        assertTrue(s.getOption(StandardSocketOptions.SO_SNDBUF) >= 32 * 1024);
        assertEquals(s.getOption(StandardSocketOptions.SO_LINGER), Integer.valueOf(-1), "off by default");
        s.setOption(StandardSocketOptions.SO_LINGER, 5);
        assertEquals(s.getOption(StandardSocketOptions.SO_LINGER), Integer.valueOf(5));
        s.setOption(StandardSocketOptions.SO_LINGER, -1);
        assertEquals(s.getOption(StandardSocketOptions.SO_LINGER), Integer.valueOf(-1));
        assertTrue(p.listener().getOption(StandardSocketOptions.SO_REUSEADDR), "set at listen");

        expectThrows(UnsupportedOperationException.class, () -> s.setOption(StandardSocketOptions.IP_TOS, 1));
        expectThrows(UnsupportedOperationException.class, () -> s.getOption(StandardSocketOptions.IP_TOS));
        expectThrows(IllegalArgumentException.class, () -> s.setOption(StandardSocketOptions.SO_RCVBUF, -1));
        expectThrows(UnsupportedOperationException.class, () -> mux.connect(p.listener().localAddress(),
                Map.of(StandardSocketOptions.IP_MULTICAST_TTL, 1)));
    }

    @Test
    public void optionsAreSetBeforeBindAndConnect() throws IOException {
        Map<SocketOption<?>, Object> opts = new HashMap<>();
        opts.put(StandardSocketOptions.TCP_NODELAY, true);
        opts.put(StandardSocketOptions.SO_KEEPALIVE, true);
        Pair p = pair(loopback4(), InetAddress.getLoopbackAddress(), opts);
        assertTrue(p.client().getOption(StandardSocketOptions.TCP_NODELAY));
        assertTrue(p.client().getOption(StandardSocketOptions.SO_KEEPALIVE));
    }

    @Test
    public void refusedConnectIsConnectExceptionNamingTheCall() throws IOException {
        int port;
        ListenerHandle closed = mux.listen(loopback4(), 0, Map.of());
        port = closed.localAddress().getPort();
        closed.close();
        InetSocketAddress nobody = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        ConnectException e;
        SocketHandle h;
        try {
            h = track(mux.connect(nobody, Map.of()));
        } catch (ConnectException immediate) {
            h = null;
            e = immediate;
            assertEquals(e.getMessage(), "Connection refused");
            assertTrue(e.getCause().getMessage().startsWith("connect"), "the cause names the call: " + e.getCause());
            return;
        }
        ps.register(h, "R");
        SocketHandle pending = h;
        pollUntilAny(ps, c, "R", Events.WRITABLE | Events.ERROR | Events.HANGUP);
        e = expectThrows(ConnectException.class, pending::finishConnect);
        assertEquals(e.getMessage(), "Connection refused");
        assertTrue(e.getCause().getMessage().startsWith("connect"), "the cause names the call: " + e.getCause());
    }

    @Test
    public void bindConflictIsBindException() throws IOException {
        ListenerHandle l = track(mux.listen(loopback4(), 0, Map.of()));
        java.net.BindException e = expectThrows(java.net.BindException.class,
                () -> mux.listen(l.localAddress(), 0, Map.of()));
        assertTrue(e.getMessage().contains("bind"), e.getMessage());
    }

    @Test
    public void closedHandleRefusesCalls() throws IOException {
        Pair p = pair4();
        SocketHandle s = p.server();
        s.close();
        s.close(); // idempotent
        expectThrows(java.nio.channels.ClosedChannelException.class, () -> s.read(ByteBuffer.allocate(1)));
        expectThrows(java.nio.channels.ClosedChannelException.class, () -> ps.register(s, "again"));
    }

    @Test
    public void errnoMapsToTheJdkExceptionTypes() {
        IOException emfile = Errors.exception("accept4", -Sys.EMFILE);
        assertTrue(emfile instanceof SocketException);
        assertEquals(emfile.getMessage(), "Too many open files");
        assertTrue(emfile.getCause().getMessage().startsWith("accept4: "), emfile.getCause().getMessage());
        assertTrue(Errors.exception("accept4", -Sys.ENFILE).getMessage().startsWith("Too many open files"));
        IOException reset = Errors.exception("read", -Sys.ECONNRESET);
        assertTrue(reset instanceof SocketException);
        assertEquals(reset.getMessage(), "Connection reset");
        assertTrue(reset.getCause().getMessage().startsWith("read: "), reset.getCause().getMessage());
        assertEquals(Errors.exception("write", -Sys.EPIPE).getMessage(), "Broken pipe");
        assertTrue(Errors.exception("connect", -Sys.ECONNREFUSED) instanceof ConnectException);
        assertTrue(Errors.exception("connect", -Sys.ETIMEDOUT) instanceof ConnectException);
        assertTrue(Errors.exception("bind", -Sys.EADDRINUSE) instanceof java.net.BindException);
        IOException other = Errors.exception("close", -9); // EBADF on Linux
        assertTrue(other.getMessage().startsWith("close: Bad file descriptor (errno 9)"), other.getMessage());
    }
}
