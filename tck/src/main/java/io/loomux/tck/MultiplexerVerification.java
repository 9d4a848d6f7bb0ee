package io.loomux.tck;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.fail;

import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.Loomux;
import io.loomux.spi.Availability;
import io.loomux.spi.Events;
import io.loomux.spi.ListenerHandle;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;
import io.loomux.spi.SocketHandle;
import io.loomux.spi.Triggering;
import io.loomux.tck.faults.Fault;
import io.loomux.tck.faults.FaultInjectingProvider;
import io.loomux.tck.faults.FaultPlan;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.awaitility.core.ConditionTimeoutException;
import org.testng.Reporter;
import org.testng.SkipException;
import org.testng.annotations.Test;

/**
 * The conformance rules of the loomux multiplexer SPI ({@code io.loomux.spi}), one TestNG test
 * per rule. A plugin author subclasses this in the plugin's tests and returns the provider under
 * test from {@link #createProvider()}:
 *
 * <pre>{@code
 * public class MyBackendConformanceTest extends MultiplexerVerification {
 *     @Override
 *     protected MultiplexerProvider createProvider() {
 *         return new MyMultiplexerProvider();
 *     }
 * }
 * }</pre>
 *
 * <p>Rules named {@code required_...} hold for every backend; those named
 * {@code required_edge_...} or {@code required_oneShot_...} hold for a backend whose
 * {@link MultiplexerProvider#triggering()} declares that mode and are skipped for the other;
 * {@code optional_...} rules are skipped when the matching hook says the feature is absent or
 * the machine cannot test it (no IPv6 loopback). Those are the only skips the kit accepts.
 *
 * <p>A backend that reports itself unavailable cannot be tested: every rule but the availability
 * ones is skipped with the provider's reason, and the kit's last check,
 * {@link #kit_everyApplicableRuleRan}, then fails, naming that reason and the rules it skipped.
 * So does any rule skipped for a reason the kit did not give (a subclass's own
 * {@code SkipException}, a failed configuration method). Only a backend that cannot run on this
 * machine by design (a Linux-only backend elsewhere) may be unavailable and pass: its test says
 * so through {@link #unavailableIsExpected()}.
 *
 * <p>The peer of every backend socket is a JDK {@link SocketChannel}, so a rule tests the backend
 * and nothing else; all traffic stays on the loopback interface. A call that must not block runs
 * on its own thread and fails the rule after {@link #patience()}; the kit asserts no upper bound
 * on timing otherwise, so a busy machine slows it down without failing it.
 *
 * <p>Besides its own assertions, every rule that polls checks the sink side of
 * {@link PollSet#poll}: each report has a non-null attachment and a non-zero set of known bits, a
 * registration is reported at most once per poll, and poll returns the number of reports.
 */
public abstract class MultiplexerVerification {

    /**
     * The TestNG group of every rule, which {@link #kit_everyApplicableRuleRan} runs after; a
     * subclass's own tests are not in it.
     */
    public static final String RULES = "loomux-tck-rules";

    private static final int R = Events.READABLE;
    private static final int W = Events.WRITABLE;
    private static final int H = Events.HANGUP;
    private static final int E = Events.ERROR;
    private static final int ANY = R | W | H | E;

    /** For subclasses. */
    protected MultiplexerVerification() {
    }

    /**
     * Creates the provider under test. Called once per rule, and several times by the
     * availability rules; it must be cheap and do no I/O, as the SPI requires of a provider's
     * constructor.
     *
     * @return a new provider instance
     */
    protected abstract MultiplexerProvider createProvider();

    /**
     * Says whether the backend supports IPv6 sockets; {@code optional_} IPv6 rules are skipped
     * when false (and when the machine has no IPv6 loopback).
     *
     * @return true by default
     */
    protected boolean supportsIpv6() {
        return true;
    }

    /**
     * Says whether the backend may be unavailable on this machine by design, for example a
     * Linux-only backend anywhere else:
     * {@code return !System.getProperty("os.name").startsWith("Linux");}. When true and the
     * provider reports itself unavailable, the rules are skipped with its reason and the kit
     * passes; when false, an unavailable provider fails the kit in
     * {@link #kit_everyApplicableRuleRan}.
     *
     * @return false by default: the backend under test must be available
     */
    protected boolean unavailableIsExpected() {
        return false;
    }

    /**
     * The longest the kit waits for anything that must happen "soon": a non-blocking call to
     * return, an event to be reported, a blocked poll to wake. Generous, since the kit never fails
     * a backend for being slow, only for never doing it.
     *
     * @return 10 seconds by default
     */
    protected Duration patience() {
        return Duration.ofSeconds(10);
    }

    /**
     * How many connections {@link #required_manyRegistrationsAreAllReported()} registers; each
     * costs two descriptors.
     *
     * @return 500 by default
     */
    protected int manyRegistrations() {
        return 500;
    }

    // ---- plumbing ------------------------------------------------------------------------------

    private MultiplexerProvider availableProvider() {
        MultiplexerProvider p = createProvider();
        assertNotNull(p, "createProvider() returned null");
        Availability a = p.availability();
        assertNotNull(a, "availability() returned null");
        if (!a.available()) {
            String why = "backend '" + p.name() + "' is unavailable here: " + a.reason();
            throw unavailableIsExpected() ? new NotApplicable(why + " (expected: unavailableIsExpected() is true)")
                    : new SkipException(why);
        }
        return p;
    }

    private Fixture fixture() throws IOException {
        return new Fixture(availableProvider(), patience());
    }

    private Fixture fixture(Triggering required) throws IOException {
        MultiplexerProvider p = availableProvider();
        if (p.triggering() != required) {
            throw new NotApplicable("a " + required + " rule; backend '" + p.name() + "' declares " + p.triggering());
        }
        return new Fixture(p, patience());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Fills the socket's send buffer (the peer does not read); every write bounded. */
    private static long fill(Fixture fx, SocketHandle h) throws IOException {
        try {
            h.setOption(StandardSocketOptions.SO_SNDBUF, 8192);
        } catch (UnsupportedOperationException | IOException ignored) {
            // Only makes filling faster.
        }
        return fx.bounded("writing until the send buffer is full (SocketHandle.write)", () -> {
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            long total = 0;
            // Bounded: the peer does not read, so the buffers fill after a few hundred KiB.
            for (int i = 0; i < 100_000; i++) {
                chunk.clear();
                int n = h.write(chunk);
                if (n == 0) {
                    return total;
                }
                total += n;
            }
            throw new AssertionError("the send buffer never filled after " + total + " bytes: write never returned 0");
        });
    }

    private static Map<SocketOption<?>, Object> smallReceiveBuffer() {
        return Map.of(StandardSocketOptions.SO_RCVBUF, 8192);
    }

    /** Reads {@code count} bytes on a JDK peer, without blocking for ever. */
    private static byte[] peerRead(Fixture fx, SocketChannel peer, int count) throws IOException {
        peer.configureBlocking(false);
        ByteBuffer b = ByteBuffer.allocate(count);
        try {
            await("the peer to receive " + count + " bytes").atMost(fx.patience).pollInterval(Duration.ofMillis(1))
                    .pollInSameThread().until(() -> peer.read(b) < 0 || !b.hasRemaining());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the peer received " + b.position() + " of " + count + " bytes", e);
        }
        assertFalse(b.hasRemaining(), "the peer saw end of stream after " + b.position() + " of " + count + " bytes");
        return b.array();
    }

    // =============================================================================================
    // The provider
    // =============================================================================================

    /**
     * Rule: a provider describes itself: {@code name()} is short, lower-case and without spaces;
     * {@code triggering()} is not null; {@code availability()} is not null, never throws, gives the
     * same answer twice, and an unavailable backend gives a reason and refuses to
     * {@code open()} with an {@link IllegalStateException}; an available one opens.
     *
     * <p>If this fails, check the provider's {@code availability()}: catch every failure of the
     * probe (I/O, {@code LinkageError}, {@code UnsatisfiedLinkError}) and turn it into
     * {@link Availability#unavailable(String)} with a sentence a user can act on.
     */
    @Test(groups = RULES)
    public void required_availabilityIsReportedAndNeverThrows() throws IOException {
        MultiplexerProvider p = createProvider();
        assertNotNull(p, "createProvider() returned null");
        String name = p.name();
        assertNotNull(name, "name()");
        assertTrue(name.matches("[a-z0-9][a-z0-9._-]*"), "name() must be short, lower-case, no spaces: '" + name + "'");
        assertNotNull(p.triggering(), "triggering()");
        Availability a = p.availability();
        assertNotNull(a, "availability()");
        Availability again = p.availability();
        assertNotNull(again, "availability(), asked again");
        assertEquals(again.available(), a.available(), "availability() changed its answer");
        if (!a.available()) {
            assertFalse(a.reason().isBlank(), "an unavailable backend must say why");
            try {
                Multiplexer m = p.open();
                m.close();
                fail("open() of an unavailable backend must throw IllegalStateException, it opened");
            } catch (IllegalStateException expected) {
                // as specified
            }
        } else {
            try (Multiplexer m = p.open()) {
                assertNotNull(m, "open() returned null");
            }
        }
    }

    /**
     * Rule: the provider's public no-argument constructor does no I/O and never throws (listing
     * backends must always work): constructing sixteen providers opens no descriptor and each
     * constructor, and the first {@code availability()} of each, returns promptly.
     *
     * <p>If this fails, check the constructor: move any probe (loading a native library, opening
     * a selector or an epoll instance) into {@code availability()} and remember its answer.
     */
    @Test(groups = RULES)
    public void required_constructorDoesNoIo() throws Exception {
        createProvider(); // warm up class loading, which may open the jar
        Path fds = Path.of("/proc/self/fd");
        long before = countFds(fds);
        List<MultiplexerProvider> made = new ArrayList<>();
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 16; i++) {
                made.add(createProvider());
            }
        }, r -> Thread.ofPlatform().daemon(true).start(r));
        done.get(patience().toMillis(), TimeUnit.MILLISECONDS);
        long after = countFds(fds);
        assertEquals(made.size(), 16);
        if (before >= 0 && after >= 0) {
            assertTrue(after - before < 16, "constructing 16 providers left " + (after - before)
                    + " more descriptors open: the constructor does I/O");
        }
        CompletableFuture<Void> asked = CompletableFuture.runAsync(() -> {
            for (MultiplexerProvider p : made) {
                assertNotNull(p.availability());
            }
        }, r -> Thread.ofPlatform().daemon(true).start(r));
        asked.get(patience().toMillis(), TimeUnit.MILLISECONDS);
    }

    private static long countFds(Path fds) {
        if (!Files.isDirectory(fds)) {
            return -1;
        }
        try (Stream<Path> s = Files.list(fds)) {
            return s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    // =============================================================================================
    // Non-blocking calls, "would block" as a value
    // =============================================================================================

    /**
     * Rule: {@link SocketHandle#read} with no data returns 0 at once ("would block" is the value
     * 0, never an exception, never a wait).
     *
     * <p>If this fails, check that sockets are put in non-blocking mode (accepted ones too: on
     * Linux {@code accept4(SOCK_NONBLOCK)}) and that {@code EAGAIN}/{@code EWOULDBLOCK} maps to 0.
     */
    @Test(groups = RULES)
    public void required_readWithNoDataReturnsZero() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair p = fx.pair();
            int n = fx.bounded("SocketHandle.read with no data", () -> p.handle().read(ByteBuffer.allocate(64)));
            assertEquals(n, 0, "read with no data must return 0");
            int d = fx.bounded("SocketHandle.read into a direct buffer with no data",
                    () -> p.handle().read(ByteBuffer.allocateDirect(64)));
            assertEquals(d, 0, "read into a direct buffer with no data must return 0");
        }
    }

    /**
     * Rule: {@link ListenerHandle#accept} with no connection pending returns {@code null} at once.
     *
     * <p>If this fails, check that the listening socket is non-blocking and that {@code EAGAIN}
     * from accept maps to {@code null}.
     */
    @Test(groups = RULES)
    public void required_acceptWithNonePendingReturnsNull() throws IOException {
        try (Fixture fx = fixture()) {
            ListenerHandle l = fx.listen();
            assertNull(fx.bounded("ListenerHandle.accept with none pending", l::accept), "nothing is pending");
            assertNull(fx.bounded("ListenerHandle.accept with none pending, again", l::accept), "nothing is pending");
        }
    }

    /**
     * Rule: {@link SocketHandle#write} to a socket whose send buffer is full returns 0 at once,
     * for a plain and for a gathering write, and a write that took nothing leaves the buffer's
     * position alone. The kernel may free room between two calls (a loopback connection goes on
     * moving queued bytes to the peer after a write returns), so a write that takes bytes right
     * after the buffer filled is not a fault: the buffer is filled again, up to ten times, and
     * each kind of write must once return 0.
     *
     * <p>If this fails, check that accepted sockets are non-blocking and that {@code EAGAIN} on
     * write (and writev) maps to 0.
     */
    @Test(groups = RULES)
    public void required_writeToAFullSendBufferReturnsZero() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair p = fx.pair(smallReceiveBuffer());
            assertTrue(fill(fx, p.handle()) > 0, "nothing could be written to a fresh socket");
            List<Long> plain = new ArrayList<>();
            for (int attempt = 0; attempt < 10; attempt++) {
                long n = fx.bounded("SocketHandle.write on a full buffer", () -> p.handle().write(ByteBuffer.allocate(1024)));
                plain.add(n);
                if (n == 0) {
                    break;
                }
                fill(fx, p.handle());
            }
            assertEquals((long) plain.get(plain.size() - 1), 0L, "a write on a full send buffer took bytes each time: " + plain);
            List<Long> gathering = new ArrayList<>();
            for (int attempt = 0; attempt < 10; attempt++) {
                fill(fx, p.handle());
                ByteBuffer[] srcs = {ByteBuffer.allocate(512), ByteBuffer.allocateDirect(512)};
                long n = fx.bounded("gathering SocketHandle.write on a full buffer", () -> p.handle().write(srcs, 0, 2));
                gathering.add(n);
                if (n == 0) {
                    assertEquals(srcs[0].position(), 0, "a write that took nothing must not move the position");
                    break;
                }
            }
            assertEquals((long) gathering.get(gathering.size() - 1), 0L,
                    "a gathering write on a full send buffer took bytes each time: " + gathering);
        }
    }

    /**
     * Rule: {@code poll(0)} does not wait, even with sockets registered and armed but not ready.
     *
     * <p>If this fails, check how the timeout is passed to the OS: 0 must mean "do not wait"
     * ({@code epoll_wait(…, 0)}, {@code Selector.selectNow()}), and only a negative value "forever".
     */
    @Test(groups = RULES)
    public void required_pollWithZeroTimeoutDoesNotWait() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair p = fx.pair();
            fx.registerArmed(p.handle(), "idle", R);
            for (int i = 0; i < 3; i++) {
                fx.bounded("PollSet.poll(0)", () -> fx.poll(0));
            }
        }
    }

    // =============================================================================================
    // Readiness
    // =============================================================================================

    /**
     * Rule: after the peer writes, a poll reports READABLE for the socket (armed for READABLE on a
     * one-shot backend), and a read then returns the data.
     *
     * <p>If this fails, check that {@code register} adds the socket to the OS poll set with read
     * interest, that the attachment handed to the sink is the one given to {@code register}, and
     * that an event is reported by the poll that sees it, not held for a later one.
     */
    @Test(groups = RULES)
    public void required_readableAfterDataArrives() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair p = fx.pair();
            Registration reg = fx.registerArmed(p.handle(), "server", R);
            fx.poll(0);
            Fixture.peerWrite(p.peer(), bytes("hello"));
            fx.awaitEvent("server", R, "data arrived");
            assertEquals(new String(fx.readExactly(p.handle(), reg, "server", 5), StandardCharsets.US_ASCII), "hello");
        }
    }

    /**
     * Rule: after the peer closes, a poll reports READABLE or HANGUP, and a read returns -1.
     *
     * <p>If this fails, check that end of stream is mapped to READABLE (a one-shot backend) or
     * HANGUP/READABLE (edge: {@code EPOLLRDHUP}/{@code EPOLLHUP}), and that a read of 0 bytes
     * from the OS (end of stream) becomes -1, not 0.
     */
    @Test(groups = RULES)
    public void required_readableOrHangupAfterPeerCloses() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair p = fx.pair();
            fx.registerArmed(p.handle(), "server", R);
            fx.poll(0);
            p.peer().close();
            fx.awaitEvent("server", R | H, "the peer closed");
            assertEquals((int) fx.bounded("SocketHandle.read after the peer closed",
                    () -> p.handle().read(ByteBuffer.allocate(16))), -1, "end of stream");
        }
    }

    /**
     * Rule: after the peer resets the connection, a poll reports it (READABLE, HANGUP or ERROR)
     * and a read throws a {@link SocketException} with the JDK's message "Connection reset".
     *
     * <p>If this fails, check the error mapping: {@code ECONNRESET} must become
     * {@code new SocketException("Connection reset")}, and an error event must be reported even
     * when only READABLE was armed.
     */
    @Test(groups = RULES)
    public void required_eventAfterResetAndReadThrowsConnectionReset() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair p = fx.pair();
            fx.registerArmed(p.handle(), "server", R);
            fx.poll(0);
            p.peer().setOption(StandardSocketOptions.SO_LINGER, 0);
            p.peer().close(); // linger 0: a reset
            fx.awaitEvent("server", R | H | E, "the peer reset the connection");
            try {
                int n = fx.bounded("SocketHandle.read after a reset", () -> p.handle().read(ByteBuffer.allocate(16)));
                fail("read after a reset must throw SocketException(\"Connection reset\"), returned " + n);
            } catch (SocketException e) {
                assertEquals(e.getMessage(), "Connection reset", "the JDK's exact message");
            }
        }
    }

    /**
     * Rule: after the send buffer filled up (write returned 0) and the peer read, a poll reports
     * WRITABLE (armed for WRITABLE on a one-shot backend), and a write then takes bytes.
     *
     * <p>If this fails, check that write interest is registered (edge) or armed (one-shot), and
     * that {@code EPOLLOUT}/{@code OP_WRITE} maps to WRITABLE.
     */
    @Test(groups = RULES)
    public void required_writableAfterBufferSpaceFreesUp() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair p = fx.pair(smallReceiveBuffer());
            long total = fill(fx, p.handle());
            fx.registerArmed(p.handle(), "writer", W);
            fx.poll(0);
            fx.recorder.clear();
            peerRead(fx, p.peer(), (int) total);
            fx.awaitEvent("writer", W, "the peer drained the buffer");
            assertTrue(fx.bounded("SocketHandle.write after WRITABLE", () -> p.handle().write(ByteBuffer.allocate(1))) == 1,
                    "WRITABLE was reported but the write took nothing");
        }
    }

    /**
     * Rule: a write after the peer closed throws a {@link SocketException} whose message
     * contains "Broken pipe" or "Connection reset" (the JDK's texts), never a plain
     * {@link IOException}, and never kills the process with {@code SIGPIPE}.
     *
     * <p>If this fails, check the error mapping of write/writev ({@code EPIPE},
     * {@code ECONNRESET}) and that the native code writes with {@code MSG_NOSIGNAL} or ignores
     * {@code SIGPIPE}.
     */
    @Test(groups = RULES)
    public void required_writeAfterPeerClosedThrowsSocketException() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair p = fx.pair();
            p.peer().close();
            AtomicReference<IOException> thrown = new AtomicReference<>();
            try {
                await("a write to fail after the peer closed").atMost(fx.patience).pollInterval(Duration.ofMillis(5))
                        .pollInSameThread().until(() -> {
                            try {
                                fx.bounded("SocketHandle.write after the peer closed", () -> p.handle().write(ByteBuffer.allocate(1024)));
                                return false;
                            } catch (IOException e) {
                                thrown.set(e);
                                return true;
                            }
                        });
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("writes kept succeeding after the peer closed", e);
            }
            IOException e = thrown.get();
            assertTrue(e instanceof SocketException, "must be a SocketException: " + e);
            String m = String.valueOf(e.getMessage());
            assertTrue(m.contains("Broken pipe") || m.contains("Connection reset"), "message: " + m);
        }
    }

    /**
     * Rule: a listener registered (and armed for READABLE on a one-shot backend) is reported
     * READABLE when a connection is pending; accept then returns it, its
     * {@code finishConnect()} is true at once, and the next accept returns {@code null}.
     *
     * <p>If this fails, check that listeners are registered like sockets and that
     * {@code OP_ACCEPT}/{@code EPOLLIN} on a listener maps to READABLE.
     */
    @Test(groups = RULES)
    public void required_listenerReadableWhenAConnectionIsPending() throws IOException {
        try (Fixture fx = fixture()) {
            ListenerHandle l = fx.listen();
            fx.registerArmed(l, "listener", R);
            fx.poll(0);
            SocketChannel client = fx.track(SocketChannel.open(l.localAddress()));
            fx.awaitEvent("listener", R, "a connection is pending");
            SocketHandle s = fx.track(fx.bounded("ListenerHandle.accept", l::accept));
            assertNotNull(s, "READABLE on a listener means a connection is pending");
            assertTrue(fx.bounded("finishConnect of an accepted socket", s::finishConnect), "true at once for accepted sockets");
            assertNull(fx.bounded("ListenerHandle.accept, again", l::accept), "only one was pending");
            assertEquals(s.remoteAddress(), client.getLocalAddress());
            assertEquals(s.localAddress(), l.localAddress());
        }
    }

    /**
     * Rule: a connect started by {@link Multiplexer#connect} finishes: register, then
     * {@code finishConnect()} until true, waiting for WRITABLE in between; the socket is then
     * connected both ways.
     *
     * <p>If this fails, check that a connect in progress ({@code EINPROGRESS}) is not an error,
     * that WRITABLE is reported when it completes, and that {@code finishConnect} checks
     * {@code SO_ERROR}.
     */
    @Test(groups = RULES)
    public void required_connectFinishesAfterWritable() throws IOException {
        try (Fixture fx = fixture()) {
            ServerSocketChannel server = fx.track(ServerSocketChannel.open().bind(Fixture.loopback4()));
            InetSocketAddress addr = (InetSocketAddress) server.getLocalAddress();
            SocketHandle h = fx.track(fx.mux.connect(addr, Map.of()));
            Registration reg = fx.pollSet.register(h, "client");
            boolean connected = false;
            for (int i = 0; i < 20 && !connected; i++) {
                connected = fx.bounded("SocketHandle.finishConnect", h::finishConnect);
                if (!connected) {
                    fx.recorder.clear();
                    if (!fx.edge()) {
                        reg.arm(W);
                    }
                    fx.awaitEvent("client", W | H | E, "the connect completes");
                }
            }
            assertTrue(connected, "finishConnect never returned true");
            SocketChannel peer = fx.track(server.accept());
            assertEquals(h.remoteAddress(), addr);
            assertEquals(peer.getRemoteAddress(), h.localAddress());
            assertEquals((int) fx.bounded("write", () -> h.write(ByteBuffer.wrap(bytes("hi")))), 2);
            assertEquals(new String(peerRead(fx, peer, 2), StandardCharsets.US_ASCII), "hi");
            Fixture.peerWrite(peer, bytes("yo"));
            assertEquals(new String(fx.readExactly(h, reg, "client", 2), StandardCharsets.US_ASCII), "yo");
        }
    }

    /**
     * Rule: a connect to a port nobody listens on fails with a {@link ConnectException}, either
     * from {@code connect} at once or from {@code finishConnect} after the poll reported the
     * socket (WRITABLE, HANGUP or ERROR).
     *
     * <p>If this fails, check that {@code ECONNREFUSED} (from connect or from {@code SO_ERROR})
     * becomes a {@code ConnectException}, and that a failed connect is reported by the poll.
     */
    @Test(groups = RULES)
    public void required_refusedConnectIsConnectException() throws IOException {
        try (Fixture fx = fixture()) {
            InetSocketAddress closed;
            try (ServerSocketChannel s = ServerSocketChannel.open().bind(Fixture.loopback4())) {
                closed = (InetSocketAddress) s.getLocalAddress();
            }
            SocketHandle h;
            try {
                h = fx.track(fx.mux.connect(closed, Map.of()));
            } catch (ConnectException refusedAtOnce) {
                return;
            }
            Registration reg = fx.pollSet.register(h, "refused");
            for (int i = 0; i < 20; i++) {
                fx.recorder.clear();
                if (!fx.edge()) {
                    reg.arm(W);
                }
                fx.awaitEvent("refused", W | H | E, "the refused connect completes");
                try {
                    if (fx.bounded("finishConnect of a refused connect", h::finishConnect)) {
                        fail("finishConnect returned true for a connect to a closed port");
                    }
                } catch (ConnectException expected) {
                    return;
                }
            }
            fail("finishConnect never threw ConnectException");
        }
    }

    /**
     * Rule: one poll reports a registration at most once, with all its ready directions in one
     * set of bits, and returns the number of reports (checked on every poll of every rule; this
     * rule makes both directions ready at once).
     *
     * <p>If this fails, check that the backend merges the OS's per-direction events for one
     * socket into one sink call and counts sink calls for its return value.
     */
    @Test(groups = RULES)
    public void required_eachRegistrationAtMostOncePerPoll() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair p = fx.pair();
            Fixture.peerWrite(p.peer(), bytes("x"));
            Registration reg = fx.registerArmed(p.handle(), "both", R | W);
            int bits = fx.awaitEvent("both", R, "data is waiting and the socket is writable");
            if ((bits & W) == 0 && !fx.edge()) {
                reg.arm(W);
                fx.awaitEvent("both", W, "the socket is writable");
            }
            assertTrue(fx.recorder.violations().isEmpty(), fx.recorder.violations().toString());
        }
    }

    // =============================================================================================
    // Triggering: EDGE
    // =============================================================================================

    /**
     * Rule (EDGE): registering a socket reports the readiness it already has, without
     * {@code arm}: data already waiting is READABLE, a connected socket WRITABLE.
     *
     * <p>If this fails, check that {@code register} asks for both directions at once
     * ({@code EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET}); the kernel then reports the current state.
     */
    @Test(groups = RULES)
    public void required_edge_registrationReportsReadinessAlreadyThere() throws IOException {
        try (Fixture fx = fixture(Triggering.EDGE)) {
            Fixture.Pair p = fx.pair();
            Fixture.peerWrite(p.peer(), bytes("early"));
            fx.pollSet.register(p.handle(), "edge");
            fx.awaitEvent("edge", R, "data was there before register");
            fx.awaitEvent("edge", W, "the socket was writable before register");
        }
    }

    /**
     * Rule (EDGE): a registered socket is reported READABLE when data arrives, with no
     * {@code arm} ever called.
     *
     * <p>If this fails, check that the backend does not rely on {@code arm}: the blocking layer
     * never calls it on an EDGE backend.
     */
    @Test(groups = RULES)
    public void required_edge_reportsWithoutArming() throws IOException {
        try (Fixture fx = fixture(Triggering.EDGE)) {
            Fixture.Pair p = fx.pair();
            fx.pollSet.register(p.handle(), "edge");
            fx.poll(0);
            fx.recorder.clear();
            Fixture.peerWrite(p.peer(), bytes("x"));
            fx.awaitEvent("edge", R, "data arrived, never armed");
        }
    }

    /**
     * Rule (EDGE): after a READABLE report and a drain (read until 0), new data raises a new
     * READABLE report, still without {@code arm}.
     *
     * <p>If this fails, check that the registration is not one-shot ({@code EPOLLONESHOT} must
     * not be set) and stays in the poll set after a report.
     */
    @Test(groups = RULES)
    public void required_edge_newDataRaisesANewEdge() throws IOException {
        try (Fixture fx = fixture(Triggering.EDGE)) {
            Fixture.Pair p = fx.pair();
            fx.pollSet.register(p.handle(), "edge");
            Fixture.peerWrite(p.peer(), bytes("a"));
            fx.awaitEvent("edge", R, "first data");
            drain(fx, p.handle());
            fx.recorder.clear();
            Fixture.peerWrite(p.peer(), bytes("b"));
            fx.awaitEvent("edge", R, "second data, after a drain");
        }
    }

    /**
     * Rule (EDGE): once an edge has been reported and the socket drained, polls report no further
     * READABLE for it until new data arrives (an edge is reported once; a backend that reports
     * the level would make the poller spin).
     *
     * <p>If this fails, check that the registration is edge-triggered ({@code EPOLLET}), or
     * declare {@link Triggering#ONE_SHOT} and implement {@code arm}.
     */
    @Test(groups = RULES)
    public void required_edge_noRepeatWithoutANewEdge() throws IOException {
        try (Fixture fx = fixture(Triggering.EDGE)) {
            Fixture.Pair p = fx.pair();
            fx.pollSet.register(p.handle(), "edge");
            Fixture.peerWrite(p.peer(), bytes("once"));
            fx.awaitEvent("edge", R, "data arrived");
            fx.poll(0);
            drain(fx, p.handle());
            fx.recorder.clear();
            fx.assertQuiet("edge", R, "drained and no new data, yet reported again");
        }
    }

    private static void drain(Fixture fx, SocketHandle h) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        for (int i = 0; i < 1000; i++) {
            b.clear();
            int n = fx.bounded("SocketHandle.read while draining", () -> h.read(b));
            if (n <= 0) {
                return;
            }
        }
        fail("the socket never drained");
    }

    // =============================================================================================
    // Triggering: ONE_SHOT
    // =============================================================================================

    /**
     * Rule (ONE_SHOT): a registered socket is reported not at all before {@code arm}, even
     * though it is readable and writable.
     *
     * <p>If this fails, check that {@code register} adds the socket with no interest (a
     * {@code Selector} key with interest 0, {@code EPOLLONESHOT} without events) and that only
     * {@code arm} adds interest.
     */
    @Test(groups = RULES)
    public void required_oneShot_nothingBeforeArm() throws IOException {
        try (Fixture fx = fixture(Triggering.ONE_SHOT)) {
            Fixture.Pair p = fx.pair();
            Fixture.peerWrite(p.peer(), bytes("x"));
            Registration reg = fx.pollSet.register(p.handle(), "oneshot");
            fx.assertQuiet("oneshot", ANY, "reported before any arm");
            reg.arm(R);
            fx.awaitEvent("oneshot", R, "armed after data arrived");
        }
    }

    /**
     * Rule (ONE_SHOT): one arming gives at most one report: the socket stays readable (nothing
     * was read) yet later polls report nothing until it is armed again, and then report it again.
     *
     * <p>If this fails, check that a report clears the reported interest (drop it from the
     * {@code Selector} key, or use {@code EPOLLONESHOT}) before the poll returns.
     */
    @Test(groups = RULES)
    public void required_oneShot_atMostOneReportPerArming() throws IOException {
        try (Fixture fx = fixture(Triggering.ONE_SHOT)) {
            Fixture.Pair p = fx.pair();
            Fixture.peerWrite(p.peer(), bytes("x"));
            Registration reg = fx.pollSet.register(p.handle(), "oneshot");
            reg.arm(R);
            fx.awaitEvent("oneshot", R, "armed, data waiting");
            assertEquals(fx.recorder.count("oneshot"), 1, "one arming, one report: " + fx.recorder);
            fx.recorder.clear();
            fx.assertQuiet("oneshot", ANY, "reported twice for one arming");
            reg.arm(R);
            fx.awaitEvent("oneshot", R, "armed again, data still waiting");
        }
    }

    /**
     * Rule (ONE_SHOT): arming a socket that is already ready (no new data arrives) reports it on
     * the next poll: arming checks the current state, not only later changes.
     *
     * <p>If this fails, check {@code arm}: with {@code EPOLLONESHOT} use {@code EPOLL_CTL_MOD},
     * which re-checks the level; a backend that only watches for changes must check the state
     * itself when armed.
     */
    @Test(groups = RULES)
    public void required_oneShot_armOnAReadySocketReportsAtTheNextPoll() throws IOException {
        try (Fixture fx = fixture(Triggering.ONE_SHOT)) {
            Fixture.Pair p = fx.pair();
            Registration reg = fx.pollSet.register(p.handle(), "oneshot");
            reg.arm(R);
            Fixture.peerWrite(p.peer(), bytes("x"));
            fx.awaitEvent("oneshot", R, "data arrived"); // now it is surely ready
            fx.recorder.clear();
            fx.poll(0);
            reg.arm(R);
            fx.awaitEvent("oneshot", R, "armed while already readable");
            reg.arm(W);
            fx.awaitEvent("oneshot", W, "armed while already writable");
        }
    }

    /**
     * Rule (ONE_SHOT): only armed interest is reported: a socket that is readable and writable,
     * armed for WRITABLE only, is reported WRITABLE without READABLE.
     *
     * <p>If this fails, check that {@code arm(interest)} adds exactly the directions asked for and
     * that the report is masked by the armed interest.
     */
    @Test(groups = RULES)
    public void required_oneShot_onlyArmedInterestIsReported() throws IOException {
        try (Fixture fx = fixture(Triggering.ONE_SHOT)) {
            Fixture.Pair p = fx.pair();
            Fixture.peerWrite(p.peer(), bytes("x"));
            Registration reg = fx.pollSet.register(p.handle(), "oneshot");
            reg.arm(R);
            fx.awaitEvent("oneshot", R, "data arrived"); // so the next check is meaningful
            fx.recorder.clear();
            reg.arm(W);
            int bits = fx.awaitEvent("oneshot", W, "armed for WRITABLE");
            assertEquals(bits & R, 0, "READABLE was reported but only WRITABLE was armed: " + Events.toString(bits));
        }
    }

    // =============================================================================================
    // Threads: wake-up, register and arm during a blocked poll
    // =============================================================================================

    /**
     * Rule: {@link PollSet#wakeup()} from another thread makes a poll blocked with timeout -1
     * return.
     *
     * <p>If this fails, check that {@code wakeup} writes to the wake-up descriptor (eventfd,
     * pipe) or calls {@code Selector.wakeup()} even when it believes no poll is blocked, and
     * that coalescing never drops a wake-up that arrives while a poll is about to block.
     */
    @Test(groups = RULES)
    public void required_wakeupReturnsABlockedPoll() throws IOException {
        try (Fixture fx = fixture()) {
            CompletableFuture<Integer> polled = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().daemon(true).name("loomux-tck-blocked-poll").start(() -> {
                try {
                    polled.complete(fx.poll(-1));
                } catch (Throwable e) {
                    polled.completeExceptionally(e);
                }
            });
            Fixture.awaitBlocked(t, fx.patience);
            fx.pollSet.wakeup();
            awaitReturn(fx, polled, "a poll(-1) blocked when wakeup() was called");
        }
    }

    /**
     * Rule: a {@link PollSet#wakeup()} that comes before the poll makes that next poll (timeout
     * -1) return: "makes the current or next poll return soon".
     *
     * <p>If this fails, check that the wake-up is remembered (a written eventfd, a pending
     * {@code Selector.wakeup()}) when no poll is in progress.
     */
    @Test(groups = RULES)
    public void required_wakeupBeforeAPollMakesItReturn() throws IOException {
        try (Fixture fx = fixture()) {
            fx.pollSet.wakeup();
            CompletableFuture<Integer> polled = new CompletableFuture<>();
            Thread.ofPlatform().daemon(true).name("loomux-tck-poll").start(() -> {
                try {
                    polled.complete(fx.poll(-1));
                } catch (Throwable e) {
                    polled.completeExceptionally(e);
                }
            });
            awaitReturn(fx, polled, "a poll(-1) after wakeup()");
        }
    }

    private static void awaitReturn(Fixture fx, CompletableFuture<Integer> polled, String what) throws IOException {
        try {
            polled.get(fx.patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            fx.abandonPollSet(); // never close a poll set under a poll still inside it
            fail(what + " did not return within " + fx.patience.toMillis() + " ms: a lost wake-up");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("the poll failed", e.getCause());
        }
    }

    /**
     * Rule: wake-ups coalesce: a thousand {@code wakeup()} calls from four threads make the next
     * poll return, and leave no backlog that makes later polls return at once (of three later
     * {@code poll(100)}, at least two wait).
     *
     * <p>If this fails, check that wake-ups are drained when a poll returns (read the eventfd to
     * zero, or rely on {@code Selector}'s own coalescing) rather than counted one per call.
     */
    @Test(groups = RULES)
    public void required_wakeupsCoalesce() throws Exception {
        try (Fixture fx = fixture()) {
            List<CompletableFuture<Void>> callers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                callers.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 250; i++) {
                        fx.pollSet.wakeup();
                    }
                }, r -> Thread.ofPlatform().daemon(true).start(r)));
            }
            CompletableFuture.allOf(callers.toArray(CompletableFuture[]::new)).get(fx.patience.toMillis(), TimeUnit.MILLISECONDS);
            CompletableFuture<Integer> polled = new CompletableFuture<>();
            Thread.ofPlatform().daemon(true).start(() -> {
                try {
                    polled.complete(fx.poll(-1));
                } catch (Throwable e) {
                    polled.completeExceptionally(e);
                }
            });
            awaitReturn(fx, polled, "a poll(-1) after 1000 wakeup() calls");
            int waited = 0;
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                fx.poll(100);
                if (System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(90)) {
                    waited++;
                }
            }
            assertTrue(waited >= 2, "after the wake-ups were consumed, only " + waited
                    + " of 3 poll(100) calls waited: wake-ups pile up instead of coalescing");
        }
    }

    /**
     * Rule: {@code register} and {@code arm} from another thread take effect while a poll is
     * blocked (timeout far beyond the patience): the blocked poll reports the new registration's
     * readiness without waiting for its timeout.
     *
     * <p>If this fails, check that {@code register} and {@code arm} wake the blocked poll (or
     * that the OS call, like {@code epoll_ctl}, takes effect on a running {@code epoll_wait}),
     * and that they do not wait for the poll to return.
     */
    @Test(groups = RULES)
    public void required_registerAndArmTakeEffectDuringABlockedPoll() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair first = fx.pair();
            Fixture.Pair second = fx.pair();
            Fixture.peerWrite(first.peer(), bytes("1"));
            Fixture.peerWrite(second.peer(), bytes("2"));
            Registration early = fx.pollSet.register(first.handle(), "registered-before");
            if (fx.edge()) {
                fx.poll(0); // take the edges registration produced
            }
            fx.recorder.clear();
            try (Fixture.BackgroundPoller poller = fx.new BackgroundPoller()) {
                poller.awaitProbablyBlocked();
                fx.bounded("PollSet.register during a blocked poll", () -> fx.registerArmed(second.handle(), "registered-during", R));
                awaitReport(fx, "registered-during", R, "registered while a poll was blocked");
                if (!fx.edge()) {
                    poller.awaitProbablyBlocked();
                    fx.bounded("Registration.arm during a blocked poll", () -> {
                        early.arm(R);
                        return null;
                    });
                    awaitReport(fx, "registered-before", R, "armed while a poll was blocked");
                }
                assertNull(poller.failure(), "a poll failed: " + poller.failure());
            }
        }
    }

    private static void awaitReport(Fixture fx, Object attachment, int bits, String why) {
        try {
            await(why).atMost(fx.patience).pollInterval(Duration.ofMillis(2))
                    .until(() -> (fx.recorder.bits(attachment) & bits) != 0);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(why + ": no " + Events.toString(bits) + " for " + attachment + " within "
                    + fx.patience.toMillis() + " ms while the poll was blocked. Reports: " + fx.recorder, e);
        }
    }

    /**
     * Rule: closing a poll set leaves its sockets open and usable, and {@code wakeup()} after
     * close does nothing harmful (the blocking layer may still call it).
     *
     * <p>If this fails, check {@code PollSet.close}: close the poll descriptor (or
     * {@code Selector}) only, never the registered sockets, and make {@code wakeup} check a
     * closed flag before writing to a descriptor number that may have been reused.
     */
    @Test(groups = RULES)
    public void required_pollSetCloseLeavesSocketsOpenAndWakeupHarmless() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair p = fx.pair();
            fx.registerArmed(p.handle(), "s", R);
            fx.poll(0);
            fx.pollSet.close();
            fx.pollSet.wakeup();
            fx.pollSet.wakeup();
            assertEquals((int) fx.bounded("write after the poll set closed", () -> p.handle().write(ByteBuffer.wrap(bytes("ok")))), 2);
            assertEquals(new String(peerRead(fx, p.peer(), 2), StandardCharsets.US_ASCII), "ok");
            p.peer().configureBlocking(true);
            Fixture.peerWrite(p.peer(), bytes("back"));
            ByteBuffer b = ByteBuffer.allocate(4);
            try {
                await("the data to arrive").atMost(fx.patience).pollInterval(Duration.ofMillis(2)).pollInSameThread()
                        .until(() -> fx.bounded("read", () -> p.handle().read(b)) < 0 || !b.hasRemaining());
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("the socket stopped working after its poll set closed", e);
            }
            assertEquals(new String(b.array(), StandardCharsets.US_ASCII), "back");
        }
    }

    // =============================================================================================
    // Lifecycle: close and cancel
    // =============================================================================================

    /**
     * Rule: closing a registered socket (without cancelling it first) while a poll is blocked
     * releases it, since {@link io.loomux.spi.Handle#close()} closes the registration too: the
     * poll does not fail, the peer soon finds the socket gone (its writes are reset), and no poll
     * that starts after close returned reports the socket.
     *
     * <p>If this fails, check that close removes the socket from the poll set (a JDK
     * {@code Selector} only frees the descriptor at its next selection, so a backend on it must
     * make that selection happen) and that the OS descriptor is really closed.
     */
    @Test(groups = RULES)
    public void required_closeWhileRegisteredReleasesTheSocket() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair p = fx.pair();
            fx.untrack(p.handle());
            fx.registerArmed(p.handle(), "closed", R);
            fx.poll(0);
            fx.recorder.clear();
            try (Fixture.BackgroundPoller poller = fx.new BackgroundPoller()) {
                poller.awaitProbablyBlocked();
                fx.bounded("Handle.close of a registered socket", () -> {
                    p.handle().close();
                    return null;
                });
                long after = fx.recorder.pollsStarted();
                p.peer().configureBlocking(false);
                try {
                    await("the peer to see the socket gone").atMost(fx.patience).pollInterval(Duration.ofMillis(5))
                            .pollInSameThread().until(() -> {
                                try {
                                    p.peer().write(ByteBuffer.allocate(1));
                                    return false;
                                } catch (IOException gone) {
                                    return true;
                                }
                            });
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError("the peer could still write " + fx.patience.toMillis()
                            + " ms after close: the descriptor was not released", e);
                }
                forceMorePolls(fx, after);
                assertEquals(fx.recorder.reportsAfter("closed", after), List.of(),
                        "reported by a poll that started after close returned");
                assertNull(poller.failure(), "a poll failed after a registered socket closed: " + poller.failure());
            }
        }
    }

    /** Makes the background poller start at least two more polls. */
    private static void forceMorePolls(Fixture fx, long after) {
        try {
            await("more polls").atMost(fx.patience).pollInterval(Duration.ofMillis(5)).until(() -> {
                fx.pollSet.wakeup();
                return fx.recorder.pollsEnded() > after + 2;
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the poll set stopped returning after wakeup()", e);
        }
    }

    /**
     * Rule: after {@link Registration#cancel()} returns, no poll that starts later reports the
     * attachment, whether the socket was ready at cancel or becomes ready after it (a poll in
     * progress may still report it once). {@code cancel} is idempotent, {@code arm} after it is
     * harmless, and the socket itself keeps working.
     *
     * <p>If this fails, check that cancel removes the socket from the OS poll set (or marks the
     * registration so that a poll started later drops its events) before it returns.
     */
    @Test(groups = RULES)
    public void required_noEventAfterCancelReturns() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair ready = fx.pair();
            Fixture.peerWrite(ready.peer(), bytes("x"));
            Registration r1 = fx.registerArmed(ready.handle(), "cancelled-ready", R);
            r1.cancel();
            r1.cancel();
            r1.arm(R);
            fx.recorder.clear();
            fx.assertQuiet("cancelled-ready", ANY, "reported after cancel returned");

            Fixture.Pair later = fx.pair();
            Registration r2 = fx.registerArmed(later.handle(), "cancelled-later", R | W);
            fx.poll(0);
            if (!fx.edge()) {
                r2.arm(R);
            }
            try (Fixture.BackgroundPoller poller = fx.new BackgroundPoller()) {
                poller.awaitProbablyBlocked();
                fx.bounded("Registration.cancel during a blocked poll", () -> {
                    r2.cancel();
                    return null;
                });
                long after = fx.recorder.pollsStarted();
                Fixture.peerWrite(later.peer(), bytes("late"));
                later.peer().shutdownOutput();
                forceMorePolls(fx, after);
                assertEquals(fx.recorder.reportsAfter("cancelled-later", after), List.of(),
                        "reported by a poll that started after cancel returned");
                assertNull(poller.failure(), "a poll failed: " + poller.failure());
            }
            ByteBuffer b = ByteBuffer.allocate(4);
            try {
                await("the data").atMost(fx.patience).pollInterval(Duration.ofMillis(2)).pollInSameThread()
                        .until(() -> fx.bounded("read", () -> later.handle().read(b)) < 0 || !b.hasRemaining());
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("the socket stopped working after cancel", e);
            }
            assertEquals(new String(b.array(), StandardCharsets.US_ASCII), "late");
        }
    }

    /**
     * Rule: {@link Registration#arm} and {@link Registration#cancel()} on the registration of a
     * socket whose handle is closed are refused with an {@link IllegalStateException} or do
     * nothing; above all they never reach the descriptor number, which the OS may already have
     * given to a new socket. The blocking layer never makes these calls (it calls nothing that
     * names a socket once its close has begun), so this is the backend's own guard: a socket
     * accepted right after the close, likely to get the closed one's number, must go on being
     * reported, under its own attachment only.
     *
     * <p>If this fails, check that arm and cancel test a closed flag (or act on an object that
     * the close invalidated, such as a {@code SelectionKey}) before any call made by descriptor
     * number, for instance {@code epoll_ctl(EPOLL_CTL_MOD)} or {@code EPOLL_CTL_DEL}.
     */
    @Test(groups = RULES)
    public void required_armAndCancelAfterCloseLeaveOtherSocketsAlone() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair closed = fx.pair();
            fx.untrack(closed.handle());
            Registration stale = fx.registerArmed(closed.handle(), "closed", R);
            ListenerHandle listener = fx.listen();
            SocketChannel peer = fx.track(SocketChannel.open());
            peer.connect(listener.localAddress());
            // Closed just before the accept, so that the accepted socket is likely to get its
            // number (the OS hands out the lowest free one).
            fx.bounded("Handle.close of a registered socket", () -> {
                closed.handle().close();
                return null;
            });
            SocketHandle reused = fx.awaitAccept(listener);
            Registration fresh = fx.registerArmed(reused, "fresh", R);
            fx.poll(0);
            fx.recorder.clear();
            for (int interest : new int[] {R, W, R | W}) {
                refusedOrNothing(fx, "Registration.arm(" + Events.toString(interest) + ") after close", () -> stale.arm(interest));
            }
            refusedOrNothing(fx, "Registration.cancel() after close", stale::cancel);
            Fixture.peerWrite(peer, bytes("mine"));
            fx.awaitEvent("fresh", R, "a socket accepted after another closed, once arm and cancel were called on"
                    + " the closed one's registration (were they applied to the descriptor number it got?)");
            assertEquals(fx.recorder.count("closed"), 0,
                    "reported under the closed socket's attachment: an arm after close re-armed the number. Reports: " + fx.recorder);
            assertEquals(new String(fx.readExactly(reused, fresh, "fresh", 4), StandardCharsets.US_ASCII), "mine");
        }
    }

    private interface Call {
        void run();
    }

    /** Runs a call on a closed socket's registration: it may throw IllegalStateException, or return. */
    private static void refusedOrNothing(Fixture fx, String what, Call call) throws IOException {
        try {
            fx.bounded(what, () -> {
                call.run();
                return null;
            });
        } catch (IllegalStateException refused) {
            // allowed: refused
        } catch (RuntimeException e) {
            throw new AssertionError(what + " threw " + e + "; refuse it with an IllegalStateException or do nothing", e);
        }
    }

    /**
     * Rule: many registrations in one poll set are all reported: {@link #manyRegistrations()}
     * sockets (500 by default), each sent one byte, are each reported READABLE.
     *
     * <p>If this fails, check fixed-size tables and event arrays: a poll that returns at most N
     * events must leave the rest for the next poll, and a registration table must grow.
     */
    @Test(groups = RULES)
    public void required_manyRegistrationsAreAllReported() throws IOException {
        try (Fixture fx = fixture()) {
            int count = manyRegistrations();
            ListenerHandle l = fx.track(fx.mux.listen(Fixture.loopback4(), count + 16, Map.of()));
            List<SocketChannel> peers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                SocketChannel peer = fx.track(SocketChannel.open(l.localAddress()));
                peers.add(peer);
                SocketHandle h = fx.track(fx.bounded("accept", l::accept));
                if (h == null) {
                    h = fx.awaitAccept(l);
                }
                fx.registerArmed(h, i, R);
            }
            fx.poll(0);
            for (SocketChannel peer : peers) {
                Fixture.peerWrite(peer, bytes("!"));
            }
            long deadline = System.nanoTime() + 3 * fx.patience.toNanos();
            Set<Integer> missing = new HashSet<>();
            for (int round = 0; round < 1_000_000; round++) {
                missing.clear();
                for (int i = 0; i < count; i++) {
                    if ((fx.recorder.bits(i) & R) == 0) {
                        missing.add(i);
                    }
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (missing.isEmpty() || left <= 0) {
                    break;
                }
                fx.poll(left);
            }
            assertTrue(missing.isEmpty(), missing.size() + " of " + count + " registrations were never reported READABLE, e.g. "
                    + missing.stream().limit(10).toList());
            assertTrue(System.nanoTime() - deadline < 0, "the last of " + count
                    + " registrations were reported only when a poll timed out: readiness reported late");
        }
    }

    /**
     * Rule: a poll with a timeout and nothing to report waits about that long: of three
     * {@code poll(100)} calls with an idle, armed socket registered, at least two wait 90 ms or
     * more (one early return, a signal, is tolerated). Only a lower bound is checked.
     *
     * <p>If this fails, check the timeout conversion (milliseconds, not seconds or nanoseconds)
     * and that a wake-up or a stale internal event is not returned over and over.
     */
    @Test(groups = RULES)
    public void required_pollTimeoutIsHonoured() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair p = fx.pair();
            fx.registerArmed(p.handle(), "idle", R);
            fx.poll(0);
            fx.poll(0);
            int waited = 0;
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                int n = fx.poll(100);
                long took = System.nanoTime() - start;
                if (n == 0 && took >= TimeUnit.MILLISECONDS.toNanos(90)) {
                    waited++;
                }
            }
            assertTrue(waited >= 2, "only " + waited + " of 3 poll(100) calls with nothing to report waited 90 ms or more. Reports: "
                    + fx.recorder);
        }
    }

    // =============================================================================================
    // The socket contract
    // =============================================================================================

    /**
     * Rule (SocketHandle): a read that returns fewer bytes than {@code dst.remaining()} means the
     * receive queue is empty now: the read right after it returns 0. The peer sends 40,000
     * bytes in one write; a 1 MiB read takes them and the next read finds nothing (three
     * attempts on fresh connections, so that data still in flight cannot fail it).
     *
     * <p>If this fails, check a bounce buffer: a backend that copies through a smaller buffer
     * must keep reading until a chunk comes back short, or the blocking layer of an EDGE backend
     * waits for an edge that never comes.
     */
    @Test(groups = RULES)
    public void required_shortReadMeansTheReceiveQueueIsEmpty() throws IOException {
        try (Fixture fx = fixture()) {
            List<String> attempts = new ArrayList<>();
            for (int attempt = 0; attempt < 3; attempt++) {
                Fixture.Pair p = fx.pair();
                Object att = "short-read-" + attempt;
                fx.registerArmed(p.handle(), att, R);
                Fixture.peerWrite(p.peer(), new byte[40_000]);
                fx.awaitEvent(att, R, "40,000 bytes were sent");
                ByteBuffer dst = ByteBuffer.allocate(1 << 20);
                int first = fx.bounded("SocketHandle.read", () -> p.handle().read(dst));
                assertTrue(first > 0, "READABLE was reported but the read returned " + first);
                int second = fx.bounded("SocketHandle.read right after a short read", () -> p.handle().read(dst));
                if (second == 0) {
                    return;
                }
                attempts.add("read " + first + " of " + (1 << 20) + " then " + second + " more");
            }
            fail("a short read did not mean the receive queue was empty: " + attempts);
        }
    }

    /**
     * Rule (SocketHandle): a write that takes fewer bytes than offered means the send buffer is
     * full now, for a plain write of 4 MiB and a gathering write of 8,192 buffers (more than
     * {@code IOV_MAX}) to a peer that does not read. The writes right after it take nothing, or
     * only what the kernel freed since (a loopback connection goes on moving queued bytes to the
     * peer and growing its windows after the call returns): together less than half of what the
     * short write took. A backend that stops at a cap per call while room is left takes about as
     * much again. Three attempts on fresh connections.
     *
     * <p>If this fails, check a cap per call (a bounce buffer, {@code IOV_MAX} buffers per
     * {@code writev}): the backend must continue until the kernel takes less than offered.
     */
    @Test(groups = RULES)
    public void required_shortWriteMeansTheSendBufferIsFull() throws IOException {
        try (Fixture fx = fixture()) {
            List<String> plain = new ArrayList<>();
            boolean plainOk = false;
            for (int attempt = 0; attempt < 3 && !plainOk; attempt++) {
                Fixture.Pair p = fx.pair();
                ByteBuffer big = ByteBuffer.allocate(4 << 20);
                long first = fx.bounded("SocketHandle.write of 4 MiB", () -> p.handle().write(big));
                long after = writesUntilNothingTaken(fx, "SocketHandle.write right after a short write",
                        () -> (long) p.handle().write(big));
                plainOk = first < (4 << 20) && after < first / 2;
                plain.add(first + " then " + after);
            }
            assertTrue(plainOk, "a short write did not mean the send buffer was full (4 MiB offered;"
                    + " taken, then taken by the writes right after it): " + plain);
            List<String> gathering = new ArrayList<>();
            boolean gatherOk = false;
            for (int attempt = 0; attempt < 3 && !gatherOk; attempt++) {
                Fixture.Pair p = fx.pair();
                // 16 MiB: a gathering write goes on while each system call is taken whole, so
                // what it offers must exceed the send buffer at its largest (Linux autotunes it
                // up to tcp_wmem's 4 MiB) plus the peer's unread receive buffer; 4 MiB did not.
                ByteBuffer[] srcs = new ByteBuffer[8192];
                for (int i = 0; i < srcs.length; i++) {
                    srcs[i] = ByteBuffer.allocate(2048);
                }
                long offered = 8192L * 2048;
                long first = fx.bounded("gathering SocketHandle.write of 8,192 buffers", () -> p.handle().write(srcs, 0, srcs.length));
                long after = writesUntilNothingTaken(fx, "gathering SocketHandle.write right after a short one", () -> {
                    int from = 0;
                    while (from < srcs.length && !srcs[from].hasRemaining()) {
                        from++;
                    }
                    return from == srcs.length ? 0L : p.handle().write(srcs, from, srcs.length - from);
                });
                gatherOk = first < offered && after < first / 2;
                gathering.add(first + " then " + after);
            }
            assertTrue(gatherOk, "a short gathering write did not mean the send buffer was full (taken,"
                    + " then taken by the writes right after it): " + gathering);
        }
    }

    /**
     * Writes with {@code write} until a call takes nothing (at most 64 calls, each bounded) and
     * returns the bytes taken in all.
     */
    private static long writesUntilNothingTaken(Fixture fx, String what, Callable<Long> write) throws IOException {
        long total = 0;
        for (int i = 0; i < 64; i++) {
            long n = fx.bounded(what, write);
            if (n == 0) {
                return total;
            }
            total += n;
        }
        return total;
    }

    /**
     * Rule (SocketHandle): a gathering write takes the buffers from {@code offset} for
     * {@code length}, advancing their positions and leaving the others alone; reads and writes
     * work with heap and direct buffers.
     *
     * <p>If this fails, check the offset arithmetic of the gathering write and the copy to and
     * from heap buffers.
     */
    @Test(groups = RULES)
    public void required_gatheringWriteAndBufferKinds() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair p = fx.pair();
            ByteBuffer[] parts = {
                    ByteBuffer.wrap(bytes("skip")),
                    ByteBuffer.allocateDirect(3).put(bytes("abc")).flip(),
                    ByteBuffer.wrap(bytes("def")),
                    ByteBuffer.wrap(bytes("tail")),
            };
            assertEquals((long) fx.bounded("gathering write", () -> p.handle().write(parts, 1, 2)), 6L);
            assertEquals(parts[0].position(), 0, "before offset: untouched");
            assertEquals(parts[3].position(), 0, "after offset + length: untouched");
            assertFalse(parts[1].hasRemaining());
            assertFalse(parts[2].hasRemaining());
            assertEquals(new String(peerRead(fx, p.peer(), 6), StandardCharsets.US_ASCII), "abcdef");

            p.peer().configureBlocking(true);
            Fixture.peerWrite(p.peer(), bytes("direct"));
            Registration reg = fx.registerArmed(p.handle(), "kinds", R);
            fx.awaitEvent("kinds", R, "data arrived");
            ByteBuffer d = ByteBuffer.allocateDirect(6);
            try {
                await("a direct read").atMost(fx.patience).pollInterval(Duration.ofMillis(2)).pollInSameThread()
                        .until(() -> fx.bounded("read into a direct buffer", () -> p.handle().read(d)) < 0 || !d.hasRemaining());
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("read " + d.position() + " of 6 bytes into a direct buffer", e);
            }
            d.flip();
            assertEquals(StandardCharsets.US_ASCII.decode(d).toString(), "direct");
            assertNotNull(reg);
        }
    }

    /**
     * Rule (SocketHandle): {@code shutdownOutput} gives the peer end of stream while the socket
     * can still read; {@code shutdownInput} makes later reads return -1.
     *
     * <p>If this fails, check that they map to {@code shutdown(SHUT_WR)} and
     * {@code shutdown(SHUT_RD)} (or the channel's methods) and that a read after
     * {@code SHUT_RD} returns -1, not 0.
     */
    @Test(groups = RULES)
    public void required_halfClose() throws IOException {
        try (Fixture fx = fixture()) {
            Fixture.Pair p = fx.pair();
            p.handle().shutdownOutput();
            p.peer().configureBlocking(false);
            ByteBuffer b = ByteBuffer.allocate(8);
            try {
                await("end of stream at the peer").atMost(fx.patience).pollInterval(Duration.ofMillis(2)).pollInSameThread()
                        .until(() -> p.peer().read(b) < 0);
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("the peer saw no end of stream after shutdownOutput", e);
            }
            p.peer().configureBlocking(true);
            Fixture.peerWrite(p.peer(), bytes("still"));
            Registration reg = fx.registerArmed(p.handle(), "half", R);
            assertEquals(new String(fx.readExactly(p.handle(), reg, "half", 5), StandardCharsets.US_ASCII), "still");
            p.handle().shutdownInput();
            assertEquals((int) fx.bounded("read after shutdownInput", () -> p.handle().read(ByteBuffer.allocate(8))), -1);
        }
    }

    /**
     * Rule (Handle, Multiplexer): options given to {@code listen} and {@code connect} are applied
     * and readable; {@code supportedOptions} lists {@code SO_REUSEADDR} for a listener and
     * {@code TCP_NODELAY} for a socket; an option not in {@code supportedOptions} is an
     * {@link UnsupportedOperationException}; the addresses of both ends agree.
     *
     * <p>If this fails, check the option table of the backend and the address conversion
     * (IPv4-mapped IPv6 addresses must come back as the {@code InetAddress} that was bound).
     */
    @Test(groups = RULES)
    public void required_socketOptionsAndAddresses() throws IOException {
        try (Fixture fx = fixture()) {
            Map<SocketOption<?>, Object> lo = new LinkedHashMap<>();
            lo.put(StandardSocketOptions.SO_REUSEADDR, true);
            lo.put(StandardSocketOptions.SO_RCVBUF, 65536);
            ListenerHandle l = fx.track(fx.mux.listen(Fixture.loopback4(), 0, lo));
            assertEquals(l.getOption(StandardSocketOptions.SO_REUSEADDR), Boolean.TRUE);
            assertTrue(l.supportedOptions().contains(StandardSocketOptions.SO_REUSEADDR), "listener options: " + l.supportedOptions());
            assertEquals(l.localAddress().getAddress(), InetAddress.getLoopbackAddress());
            assertTrue(l.localAddress().getPort() > 0, "port 0 must pick a port");

            SocketHandle c = fx.track(fx.mux.connect(l.localAddress(), Map.of(StandardSocketOptions.TCP_NODELAY, true)));
            Registration reg = fx.pollSet.register(c, "c");
            boolean connected = false;
            for (int i = 0; i < 20 && !connected; i++) {
                connected = fx.bounded("finishConnect", c::finishConnect);
                if (!connected) {
                    fx.recorder.clear();
                    if (!fx.edge()) {
                        reg.arm(W);
                    }
                    fx.awaitEvent("c", W | H | E, "connect completes");
                }
            }
            assertTrue(connected);
            SocketHandle s = fx.awaitAccept(l);
            assertEquals(c.getOption(StandardSocketOptions.TCP_NODELAY), Boolean.TRUE, "option given to connect");
            assertTrue(s.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY), "socket options: " + s.supportedOptions());
            s.setOption(StandardSocketOptions.TCP_NODELAY, true);
            assertEquals(s.getOption(StandardSocketOptions.TCP_NODELAY), Boolean.TRUE);
            assertEquals(s.remoteAddress(), c.localAddress());
            assertEquals(c.remoteAddress(), s.localAddress());
            for (SocketOption<?> o : List.of(StandardSocketOptions.IP_MULTICAST_LOOP, StandardSocketOptions.SO_BROADCAST)) {
                if (!s.supportedOptions().contains(o)) {
                    try {
                        setUnchecked(s, o);
                        fail("setOption(" + o + ") is not in supportedOptions() and must throw UnsupportedOperationException");
                    } catch (UnsupportedOperationException expected) {
                        break;
                    }
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void setUnchecked(SocketHandle s, SocketOption<T> o) throws IOException {
        s.setOption(o, (T) Boolean.TRUE);
    }

    /**
     * Rule (optional, IPv6): listen and connect on the IPv6 loopback {@code ::1}, with events and
     * data as on IPv4. Skipped when {@link #supportsIpv6()} is false or the machine has no IPv6
     * loopback.
     *
     * <p>If this fails, check the address conversion for IPv6 ({@code sockaddr_in6}, scope ids)
     * and that sockets are created in the address family of the address given.
     */
    @Test(groups = RULES)
    public void optional_ipv6Loopback() throws IOException {
        if (!supportsIpv6()) {
            throw new NotApplicable("the plugin declares no IPv6 support (supportsIpv6() is false)");
        }
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 0);
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.bind(v6);
        } catch (IOException e) {
            throw new NotApplicable("no IPv6 loopback on this machine: " + e);
        }
        try (Fixture fx = fixture()) {
            ListenerHandle l = fx.track(fx.mux.listen(v6, 0, Map.of()));
            assertTrue(l.localAddress().getAddress() instanceof Inet6Address, "bound to " + l.localAddress());
            SocketChannel peer = fx.track(SocketChannel.open(l.localAddress()));
            SocketHandle s = fx.awaitAccept(l);
            assertTrue(s.remoteAddress().getAddress() instanceof Inet6Address, "peer " + s.remoteAddress());
            Registration reg = fx.registerArmed(s, "v6", R);
            Fixture.peerWrite(peer, bytes("six"));
            fx.awaitEvent("v6", R, "data over IPv6");
            assertEquals(new String(fx.readExactly(s, reg, "v6", 3), StandardCharsets.US_ASCII), "six");
        }
    }

    // =============================================================================================
    // End to end
    // =============================================================================================

    /**
     * Rule: the blocking layer runs on the backend: {@code Loomux.builder().provider(p)} with two
     * pollers serves an echo of four connections, each sending 64 KiB in 1 KiB messages and
     * reading every byte back, through {@code listen}, {@code accept}, {@code connect},
     * {@code read} and {@code write} that park and unpark virtual threads.
     *
     * <p>If this fails while the other rules pass, the kit has missed a rule; please report it.
     * Otherwise fix the failing rules first: this one fails with them.
     */
    @Test(groups = RULES)
    public void required_echoThroughTheBlockingLayer() throws Exception {
        MultiplexerProvider p = availableProvider();
        int connections = 4;
        int messages = 64;
        try (Loomux lx = Loomux.builder().provider(p).pollers(2).build();
             Listener listener = lx.listen(Fixture.loopback4())) {
            List<Connection> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = Thread.ofVirtual().name("loomux-tck-acceptor").start(() -> {
                for (int i = 0; i < connections; i++) {
                    try {
                        Connection c = listener.accept();
                        opened.add(c);
                        Thread.ofVirtual().start(() -> echo(c));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            List<CompletableFuture<Void>> clients = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                int id = i;
                CompletableFuture<Void> f = new CompletableFuture<>();
                clients.add(f);
                Thread.ofVirtual().start(() -> {
                    try (Connection c = lx.connect(listener.localAddress(), patience())) {
                        opened.add(c);
                        byte[] msg = new byte[1024];
                        byte[] back = new byte[1024];
                        for (int m = 0; m < messages; m++) {
                            Arrays.fill(msg, (byte) (id * 31 + m));
                            c.write(ByteBuffer.wrap(msg));
                            ByteBuffer in = ByteBuffer.wrap(back);
                            for (int r = 0; r < 10_000 && in.hasRemaining(); r++) {
                                if (c.read(in) < 0) {
                                    throw new IOException("end of stream after " + m + " messages");
                                }
                            }
                            if (!Arrays.equals(msg, back)) {
                                throw new IOException("message " + m + " came back different");
                            }
                        }
                        f.complete(null);
                    } catch (Throwable t) {
                        f.completeExceptionally(t);
                    }
                });
            }
            try {
                CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new))
                        .get(3 * patience().toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("the echo did not finish within " + 3 * patience().toMillis()
                        + " ms: a thread parked on the backend was never woken", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new AssertionError("the echo failed", e.getCause());
            } finally {
                for (Connection c : opened) {
                    c.close();
                }
                listener.close();
                acceptor.join(patience().toMillis());
            }
        }
    }

    private static void echo(Connection c) {
        ByteBuffer b = ByteBuffer.allocate(4096);
        try (c) {
            // Ends at end of stream or when the connection is closed under it.
            for (int i = 0; i < 1_000_000; i++) {
                b.clear();
                if (c.read(b) < 0) {
                    return;
                }
                b.flip();
                c.write(b);
            }
        } catch (IOException ignored) {
            // closed by the test
        }
    }

    // =============================================================================================
    // The blocking layer over injected faults
    // =============================================================================================

    /**
     * The seed of the fault injector in the {@code required_...UnderInjectedFaults} rules; every
     * failure of those rules names it. Set {@code -Dloomux.tck.faultSeed=N} to repeat a run's
     * faults (the same seed and the same calls give the same faults; thread timing may still
     * change the calls).
     *
     * @return the property's value, else a new random seed for each rule
     */
    protected long faultSeed() {
        Long fixed = Long.getLong("loomux.tck.faultSeed");
        return fixed != null ? fixed : java.util.concurrent.ThreadLocalRandom.current().nextLong();
    }

    private FaultInjectingProvider injecting(FaultPlan plan) {
        return new FaultInjectingProvider(availableProvider(), faultSeed(), plan);
    }

    /**
     * Rule: the blocking layer, over the backend wrapped in the kit's fault injector with its
     * default plan (short reads and writes, would-block storms, spurious, late and duplicate
     * reports, resets, broken pipes, EMFILE on accept, poll failures), echoes 12 connections of
     * 48 messages of 1 to 2,048 bytes each, every connection its own byte pattern, half of them
     * served by a parked thread and half in turns ({@link Connection#onReadable}). A connection
     * the injector reset or broke may fail with an {@link IOException} (not a timeout); every
     * other one must get every byte back, in order, and none may get another's.
     *
     * <p>If this fails while the other rules pass, the failure names the seed and the faults
     * injected: a backend that keeps every rule is transparent to the injector, so please report
     * it. Otherwise fix the failing rules first.
     */
    @Test(groups = RULES)
    public void required_echoUnderInjectedFaults() throws Exception {
        FaultInjectingProvider faults = injecting(FaultPlan.defaults());
        runEcho(faults, 12, 48, 2048, true);
    }

    /**
     * Rule: a would-block storm, spurious, late and duplicate reports, short reads and writes
     * and poll failures, all far more often than the default plan, lose no wake-up: the
     * blocking layer over the injector runs 4 connections of 150 small round trips each (a
     * thread parks for nearly every byte), half of them served in turns, every connection with
     * a read timeout of the patience, and all finish, whole, in time. Nothing is reset, so no
     * connection may fail.
     *
     * <p>If this fails with a timeout, a report the blocking layer waited for was never given
     * once the injector made the backend's reports irregular (a read or write that said "would
     * block" must be followed by a report): check the rules on triggering, arming and wakeup.
     */
    @Test(groups = RULES)
    public void required_noWakeupLostUnderInjectedFaults() throws Exception {
        FaultPlan storms = FaultPlan.builder()
                .rate(Fault.WOULD_BLOCK, 300)
                .rate(Fault.SHORT_READ, 300)
                .rate(Fault.SHORT_WRITE, 300)
                .rate(Fault.SPURIOUS_EVENT, 300)
                .rate(Fault.LATE_EVENT, 200)
                .rate(Fault.DUPLICATE_EVENT, 200)
                .rate(Fault.POLL_FAILURE, 5)
                .build();
        runEcho(injecting(storms), 4, 150, 64, false);
    }

    /**
     * Rule: accept survives running out of descriptors: over the injector failing half the
     * backend's accepts with "Too many open files" in storms of up to four (and some with
     * "would block"), 24 clients that connected before any accept are all accepted, each once,
     * by an accept loop that retries on that exception; the failed accepts took no connection
     * off the queue.
     *
     * <p>If this fails with a connection missing, check that {@code accept} takes a connection
     * off the backlog only when it returns it, and that a listener is reported READABLE again
     * while connections are queued.
     */
    @Test(groups = RULES)
    public void required_acceptUnderInjectedFaultsKeepsEveryQueuedConnection() throws Exception {
        FaultInjectingProvider faults = injecting(FaultPlan.builder()
                .rate(Fault.TOO_MANY_OPEN_FILES, 500)
                .rate(Fault.WOULD_BLOCK, 100)
                .stormLength(4)
                .build());
        int clients = 24;
        List<SocketChannel> peers = new ArrayList<>();
        try (Loomux lx = Loomux.builder().provider(faults).pollers(1).build();
             Listener listener = lx.listen(Fixture.loopback4(), 64, Map.of())) {
            for (int i = 0; i < clients; i++) {
                SocketChannel peer = SocketChannel.open(listener.localAddress());
                peers.add(peer);
                Fixture.peerWrite(peer, ByteBuffer.allocate(4).putInt(0, i).array());
            }
            Set<Integer> ids = new java.util.TreeSet<>();
            int exhausted = 0;
            long deadline = System.nanoTime() + patience().toNanos();
            // Bounded by the count and the deadline; each pass accepts or meets one failure.
            for (int i = 0; i < 100_000 && ids.size() < clients; i++) {
                if (System.nanoTime() - deadline > 0) {
                    fail("accepted " + ids.size() + " of " + clients + " queued connections within "
                            + patience().toMillis() + " ms; " + faults.counts());
                }
                Connection c;
                try {
                    c = listener.accept(patience());
                } catch (IOException e) {
                    if (e instanceof SocketException && String.valueOf(e.getMessage()).contains("Too many open files")) {
                        exhausted++;
                        continue;
                    }
                    throw new AssertionError("accept failed; " + faults.counts(), e);
                }
                try (c) {
                    c.setReadTimeout(patience());
                    ByteBuffer id = ByteBuffer.allocate(4);
                    for (int r = 0; r < 8 && id.hasRemaining(); r++) {
                        if (c.read(id) < 0) {
                            break;
                        }
                    }
                    assertFalse(id.hasRemaining(), "a client's id did not arrive; " + faults.counts());
                    assertTrue(ids.add(id.getInt(0)), "client " + id.getInt(0) + " accepted twice; " + faults.counts());
                } catch (IOException e) {
                    throw new AssertionError("reading an accepted client's id failed; " + faults.counts(), e);
                }
            }
            assertEquals(ids.size(), clients, "every queued connection accepted; " + faults.counts());
            assertTrue(exhausted > 0 && faults.counts().count(Fault.TOO_MANY_OPEN_FILES) == exhausted,
                    exhausted + " accepts failed with \"Too many open files\"; " + faults.counts());
        } finally {
            for (SocketChannel peer : peers) {
                peer.close();
            }
        }
    }

    /**
     * The echo of the fault rules: {@code connections} clients each send {@code messages}
     * messages of 1 to {@code maxMessage} bytes from their own pattern and read each back;
     * the server serves even connections with a parked thread, odd ones in turns.
     *
     * @param faultsMayEnd true if the plan resets connections, which may then fail
     */
    private void runEcho(FaultInjectingProvider faults, int connections, int messages, int maxMessage,
                         boolean faultsMayEnd) throws Exception {
        try (Loomux lx = Loomux.builder().provider(faults).pollers(2).build();
             Listener listener = lx.listen(Fixture.loopback4())) {
            List<Connection> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = Thread.ofVirtual().name("loomux-tck-acceptor").start(() -> {
                // Ends when the listener closes; a failed accept (EMFILE) is retried.
                for (int served = 0, failures = 0; failures < 10_000; ) {
                    Connection c;
                    try {
                        c = listener.accept();
                    } catch (IOException e) {
                        if (!listener.isOpen()) {
                            return;
                        }
                        failures++;
                        continue;
                    }
                    opened.add(c);
                    if (served++ % 2 == 0) {
                        Thread.ofVirtual().start(() -> echo(c));
                    } else {
                        ByteBuffer buf = ByteBuffer.allocate(4096);
                        Thread.ofVirtual().start(() -> echoTurn(c, buf));
                    }
                }
            });
            List<CompletableFuture<InetSocketAddress[]>> clients = new ArrayList<>();
            List<InetSocketAddress[]> ends = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int i = 0; i < connections; i++) {
                int id = i;
                CompletableFuture<InetSocketAddress[]> f = new CompletableFuture<>();
                clients.add(f);
                InetSocketAddress[] pair = new InetSocketAddress[2];
                ends.add(pair);
                Thread.ofVirtual().start(() -> {
                    try (Connection c = lx.connect(listener.localAddress(), patience())) {
                        opened.add(c);
                        pair[0] = c.localAddress();
                        pair[1] = c.remoteAddress();
                        c.setReadTimeout(patience());
                        c.setWriteTimeout(patience());
                        java.util.SplittableRandom sizes = new java.util.SplittableRandom(id);
                        long sent = 0;
                        for (int m = 0; m < messages; m++) {
                            byte[] msg = new byte[sizes.nextInt(1, maxMessage + 1)];
                            for (int k = 0; k < msg.length; k++) {
                                msg[k] = patternByte(id, sent + k);
                            }
                            c.write(ByteBuffer.wrap(msg));
                            ByteBuffer in = ByteBuffer.allocate(msg.length);
                            for (int r = 0; r < 100_000 && in.hasRemaining(); r++) {
                                if (c.read(in) < 0) {
                                    throw new IOException("end of stream after " + (sent + in.position()) + " bytes");
                                }
                            }
                            for (int k = 0; k < msg.length; k++) {
                                if (in.get(k) != msg[k]) {
                                    throw new AssertionError("connection " + id + ": byte " + (sent + k)
                                            + " came back as " + in.get(k) + ", sent " + msg[k]
                                            + " (lost, reordered or another connection's)");
                                }
                            }
                            sent += msg.length;
                        }
                        f.complete(pair);
                    } catch (Throwable t) {
                        f.completeExceptionally(t);
                    }
                });
            }
            try {
                CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new))
                        .exceptionally(t -> null)
                        .get(3 * patience().toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("the echo did not finish within " + 3 * patience().toMillis()
                        + " ms: a thread parked on the backend was never woken; " + faults.counts(), e);
            } finally {
                listener.close();
                for (Connection c : opened) {
                    c.close();
                }
                acceptor.join(patience().toMillis());
            }
            List<String> failed = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                try {
                    clients.get(i).join();
                } catch (java.util.concurrent.CompletionException e) {
                    Throwable t = e.getCause();
                    InetSocketAddress[] pair = ends.get(i);
                    boolean excused = faultsMayEnd && t instanceof IOException
                            && !(t instanceof java.net.SocketTimeoutException)
                            && faults.faulted(pair[0], pair[1]);
                    if (!excused) {
                        throw new AssertionError("connection " + i + " (" + pair[0] + " -> " + pair[1]
                                + ") failed and the injector did not fault it: " + t + "; " + faults.counts(), t);
                    }
                    failed.add(i + ": " + t);
                }
            }
            assertTrue(faults.counts().total() > 0, "the injector injected nothing; " + faults.counts());
            assertTrue(failed.size() <= faults.counts().faultedConnections(),
                    "more connections failed than the injector faulted: " + failed + "; " + faults.counts());
        }
    }

    /** Byte {@code offset} of connection {@code id}'s stream: differs between neighbours and connections. */
    private static byte patternByte(int id, long offset) {
        long z = offset * 0x9E3779B97F4A7C15L + id * 0xBF58476D1CE4E5B9L;
        return (byte) (z ^ (z >>> 29) ^ (z >>> 47));
    }

    /** An echo in turns: read what is there, write it back, and arm the next turn. */
    private static void echoTurn(Connection c, ByteBuffer buf) {
        try {
            // Ends when a turn is armed, at end of stream or on failure; each pass reads once.
            for (int i = 0; i < 1_000_000; i++) {
                buf.clear();
                int n = c.readAvailable(buf);
                if (n < 0) {
                    closeQuietly(c);
                    return;
                }
                if (n > 0) {
                    buf.flip();
                    c.write(buf);
                } else if (c.onReadable(() -> echoTurn(c, buf))) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // ends the echo all the same
        }
    }

    // =============================================================================================
    // The kit itself
    // =============================================================================================

    /**
     * The kit's last check: every rule that applies to the backend ran. It fails when a rule was
     * skipped for any reason but the ones the kit accepts (the other triggering mode, an
     * optional feature the backend or the machine lacks, or an unavailable backend whose test
     * says {@link #unavailableIsExpected()}), naming each reason and the rules skipped for it,
     * since a kit that could not run a rule has not proven it.
     *
     * <p>If this fails because the backend is unavailable, fix what the provider's reason says.
     * A plugin that finds other backends through {@code ServiceLoader} and runs its tests on the
     * module path (Maven does so when the plugin has a {@code module-info.java}) needs
     * {@code uses io.loomux.spi.MultiplexerProvider;} in it, and the backend it looks for on the
     * test path.
     */
    @Test(dependsOnGroups = RULES, alwaysRun = true)
    public void kit_everyApplicableRuleRan() {
        // Not a parameter: TestNG would put the injected context in the test's reported name.
        Map<String, Set<String>> skippedBecause =
                SkippedRules.unaccepted(Reporter.getCurrentTestResult().getTestContext(), this);
        if (skippedBecause.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        int count = 0;
        for (Map.Entry<String, Set<String>> e : skippedBecause.entrySet()) {
            count += e.getValue().size();
            sb.append("\n- ").append(e.getKey()).append("\n  skipped for it: ").append(String.join(", ", e.getValue()));
        }
        fail("the kit skipped " + count + " of its rules, so it has not tested this backend:" + sb
                + "\nA backend passes only when its rules run. An unavailable backend: fix what its reason says (a"
                + " plugin that looks up other backends through ServiceLoader needs 'uses io.loomux.spi.MultiplexerProvider;'"
                + " in its module-info.java); one that cannot run on this machine by design: override"
                + " unavailableIsExpected().");
    }
}
