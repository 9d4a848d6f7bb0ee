package io.loomux.selector;

import static io.loomux.selector.Loopback.patiently;
import static io.loomux.selector.Loopback.readExactly;
import static io.loomux.selector.Loopback.writeFully;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.fail;

import io.loomux.spi.Events;
import io.loomux.spi.ListenerHandle;
import io.loomux.spi.SocketHandle;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.testng.SkipException;
import org.testng.annotations.Test;

/** The sockets of the backend: listen, connect, accept, I/O and the errors the SPI promises. */
public class SelectorSocketsTest {

    @Test
    public void listenConnectAcceptFinishConnectThroughThePollSet() throws Exception {
        try (Loopback lo = new Loopback()) {
            ListenerHandle listener = lo.listen(Loopback.loopback4(), Map.of());
            assertTrue(listener.localAddress().getPort() > 0);
            assertTrue(listener.localAddress().getAddress() instanceof Inet4Address);
            assertNull(listener.accept(), "nothing pending yet");

            Object lAtt = "listener";
            lo.pollSet.register(listener, lAtt).arm(Events.READABLE);
            SocketHandle client = lo.connect(listener.localAddress(), Map.of());
            Object cAtt = "client";
            lo.pollSet.register(client, cAtt).arm(Events.WRITABLE);

            lo.awaitEvent(lAtt, Events.READABLE);
            SocketHandle server = lo.track(listener.accept());
            assertNotNull(server, "READABLE on a listener means a connection is pending");
            assertNull(listener.accept(), "only one was pending");
            assertTrue(server.finishConnect(), "true at once for accepted sockets");

            lo.awaitEvent(cAtt, Events.WRITABLE);
            assertTrue(client.finishConnect(), "WRITABLE after connect means it finished");

            assertEquals(client.remoteAddress(), listener.localAddress());
            assertEquals(server.remoteAddress(), client.localAddress());
            assertEquals(server.localAddress(), listener.localAddress());
        }
    }

    @Test
    public void readWriteGatheringWriteAndWouldBlock() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            assertEquals(p.server().read(ByteBuffer.allocate(16)), 0, "would block is 0");

            writeFully(p.client(), "hello");
            assertEquals(readExactly(p.server(), 5), "hello");

            ByteBuffer[] parts = {
                    ByteBuffer.wrap("skip".getBytes(StandardCharsets.UTF_8)),
                    ByteBuffer.allocateDirect(3).put("abc".getBytes(StandardCharsets.UTF_8)).flip(),
                    ByteBuffer.wrap("def".getBytes(StandardCharsets.UTF_8)),
            };
            assertEquals(p.server().write(parts, 1, 2), 6L);
            assertEquals(parts[0].position(), 0, "outside offset..length: untouched");
            ByteBuffer direct = ByteBuffer.allocateDirect(6);
            patiently().until(() -> p.client().read(direct) >= 0 && !direct.hasRemaining());
            direct.flip();
            assertEquals(StandardCharsets.UTF_8.decode(direct).toString(), "abcdef");
        }
    }

    @Test
    public void shutdownOutputGivesPeerEndOfStreamAndShutdownInputGivesMinusOne() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            writeFully(p.client(), "bye");
            p.client().shutdownOutput();
            assertEquals(readExactly(p.server(), 3), "bye");
            ByteBuffer b = ByteBuffer.allocate(8);
            patiently().until(() -> p.server().read(b) == -1);

            p.server().shutdownInput();
            assertEquals(p.server().read(ByteBuffer.allocate(8)), -1);
            writeFully(p.server(), "still writable");
            assertEquals(readExactly(p.client(), 14), "still writable");
        }
    }

    @Test
    public void optionsAreAppliedBeforeBindAndConnectAndReadable() throws Exception {
        try (Loopback lo = new Loopback()) {
            Map<SocketOption<?>, Object> listenOpts = new LinkedHashMap<>();
            listenOpts.put(StandardSocketOptions.SO_REUSEADDR, true);
            listenOpts.put(StandardSocketOptions.SO_RCVBUF, 8192);
            Map<SocketOption<?>, Object> connectOpts = new LinkedHashMap<>();
            connectOpts.put(StandardSocketOptions.TCP_NODELAY, true);
            connectOpts.put(StandardSocketOptions.SO_KEEPALIVE, true);
            Loopback.Pair p = lo.pair(Loopback.loopback4(), listenOpts, connectOpts);

            assertEquals(p.listener().getOption(StandardSocketOptions.SO_REUSEADDR), Boolean.TRUE);
            assertEquals(p.client().getOption(StandardSocketOptions.TCP_NODELAY), Boolean.TRUE);
            assertEquals(p.client().getOption(StandardSocketOptions.SO_KEEPALIVE), Boolean.TRUE);
            assertTrue(p.client().supportedOptions().contains(StandardSocketOptions.TCP_NODELAY));
            assertTrue(p.listener().supportedOptions().contains(StandardSocketOptions.SO_REUSEADDR));

            p.server().setOption(StandardSocketOptions.TCP_NODELAY, true);
            assertEquals(p.server().getOption(StandardSocketOptions.TCP_NODELAY), Boolean.TRUE);
            assertThrows(UnsupportedOperationException.class,
                    () -> p.server().setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true));
        }
    }

    @Test
    public void unsupportedOptionFailsTheConnectWithUnsupportedOperation() throws Exception {
        try (Loopback lo = new Loopback()) {
            ListenerHandle listener = lo.listen(Loopback.loopback4(), Map.of());
            assertThrows(UnsupportedOperationException.class,
                    () -> lo.connect(listener.localAddress(), Map.of(StandardSocketOptions.IP_MULTICAST_TTL, 3)));
            assertThrows(UnsupportedOperationException.class,
                    () -> lo.listen(Loopback.loopback4(), Map.of(StandardSocketOptions.TCP_NODELAY, true)));
        }
    }

    @Test
    public void refusedConnectIsAConnectException() throws Exception {
        try (Loopback lo = new Loopback()) {
            InetSocketAddress closedPort;
            ListenerHandle l = lo.mux.listen(Loopback.loopback4(), 0, Map.of());
            closedPort = l.localAddress();
            l.close();
            SocketHandle client;
            try {
                client = lo.connect(closedPort, Map.of());
            } catch (ConnectException refusedAtOnce) {
                return; // allowed: "the connect fails at once"
            }
            Object att = "refused";
            lo.pollSet.register(client, att).arm(Events.WRITABLE);
            lo.awaitEvent(att, Events.WRITABLE);
            assertThrows(ConnectException.class, client::finishConnect);
        }
    }

    @Test
    public void resetIsASocketExceptionConnectionReset() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            p.client().setOption(StandardSocketOptions.SO_LINGER, 0);
            p.client().close(); // linger 0: the peer gets a reset
            AtomicReference<IOException> thrown = new AtomicReference<>();
            patiently().until(() -> {
                try {
                    p.server().read(ByteBuffer.allocate(8));
                    return false;
                } catch (IOException e) {
                    thrown.set(e);
                    return true;
                }
            });
            assertTrue(thrown.get() instanceof SocketException, String.valueOf(thrown.get()));
            assertEquals(thrown.get().getMessage(), "Connection reset");
        }
    }

    @Test
    public void writeAfterPeerClosedIsASocketException() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            p.server().close();
            AtomicReference<IOException> thrown = new AtomicReference<>();
            patiently().until(() -> {
                try {
                    p.client().write(ByteBuffer.allocate(1024));
                    return false;
                } catch (IOException e) {
                    thrown.set(e);
                    return true;
                }
            });
            IOException e = thrown.get();
            assertTrue(e instanceof SocketException, "NIO throws a plain IOException here; the SPI wants: " + e);
            assertTrue(e.getMessage().contains("Broken pipe") || e.getMessage().contains("Connection reset"), e.getMessage());
        }
    }

    @Test
    public void ipv6LoopbackListenConnectAndEvents() throws Exception {
        try (Loopback lo = new Loopback()) {
            InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 0);
            ListenerHandle listener;
            try {
                listener = lo.listen(v6, Map.of());
            } catch (IOException e) {
                throw new SkipException("no IPv6 loopback here: " + e);
            }
            assertTrue(listener.localAddress().getAddress() instanceof Inet6Address);
            SocketHandle client = lo.connect(listener.localAddress(), Map.of());
            Object cAtt = "client6";
            lo.pollSet.register(client, cAtt).arm(Events.WRITABLE);
            SocketHandle server = lo.acceptOne(listener);
            lo.awaitEvent(cAtt, Events.WRITABLE);
            assertTrue(client.finishConnect());
            assertTrue(server.remoteAddress().getAddress() instanceof Inet6Address);

            Object sAtt = "server6";
            lo.pollSet.register(server, sAtt).arm(Events.READABLE);
            writeFully(client, "six");
            lo.awaitEvent(sAtt, Events.READABLE);
            assertEquals(readExactly(server, 3), "six");
        }
    }

    @Test
    public void ipv6WildcardAcceptsIpv4WhereTheOsAllows() throws Exception {
        Path v6only = Path.of("/proc/sys/net/ipv6/bindv6only");
        if (Files.isReadable(v6only) && Files.readString(v6only).trim().equals("1")) {
            throw new SkipException("net.ipv6.bindv6only=1: the OS does not allow it");
        }
        try (Loopback lo = new Loopback()) {
            ListenerHandle listener;
            try {
                listener = lo.listen(new InetSocketAddress(InetAddress.getByName("::"), 0), Map.of());
            } catch (IOException e) {
                throw new SkipException("no IPv6 here: " + e);
            }
            int port = listener.localAddress().getPort();
            SocketHandle client = lo.connect(new InetSocketAddress("127.0.0.1", port), Map.of());
            SocketHandle server = lo.acceptOne(listener);
            Loopback.finish(client);
            writeFully(client, "four");
            assertEquals(readExactly(server, 4), "four");
        }
    }

    @Test
    public void closingARegisteredSocketReleasesItWhileThePollerIsIdle() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            // Registered but not armed: nothing the peer does can wake the poller by itself.
            lo.pollSet.register(p.client(), "client");
            try (Loopback.Poller poller = new Loopback.Poller(lo.pollSet)) {
                poller.awaitBlockedInSelect();
                p.client().close();
                // The JDK keeps a registered channel's descriptor open (output shut down only)
                // until its selector deregisters it. Once really closed, the peer's writes are
                // answered with a reset; while merely shut down they would go on succeeding.
                patiently().until(() -> {
                    try {
                        p.server().write(ByteBuffer.allocate(1));
                        return false;
                    } catch (SocketException e) {
                        return true;
                    }
                });
            }
        }
    }

    /**
     * Running out of descriptors on accept must be a SocketException saying "Too many open
     * files", and the listener must go on accepting once descriptors are free: run in a child
     * JVM with a low descriptor limit. The child also checks that nothing prints a warning.
     */
    @Test
    public void acceptWithoutDescriptorsIsTooManyOpenFiles() throws Exception {
        if (!Files.isExecutable(Path.of("/bin/sh")) || !System.getProperty("os.name").startsWith("Linux")) {
            throw new SkipException("needs /bin/sh and ulimit (Linux)");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder("/bin/sh", "-c", "ulimit -n 256 && exec \"$0\" -cp \"$1\" " + EmfileChild.class.getName(),
                java, System.getProperty("java.class.path"))
                .redirectErrorStream(true)
                .start();
        boolean done = child.waitFor(60, TimeUnit.SECONDS);
        if (!done) {
            child.destroyForcibly();
            fail("child JVM did not finish");
        }
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(child.exitValue(), 0, out);
        assertTrue(out.contains("OK"), out);
        assertFalse(out.contains("FAIL"), out);
        assertFalse(out.contains("WARNING"), "the backend must not make the JVM print warnings: " + out);
    }
}
