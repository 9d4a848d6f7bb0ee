package io.loomux.server;

import io.loomux.BackendSelectionException;
import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.Loomux;
import org.testng.annotations.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.loomux.server.TestSupport.ECHO;
import static io.loomux.server.TestSupport.closedByServer;
import static io.loomux.server.TestSupport.connect;
import static io.loomux.server.TestSupport.echo;
import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

public class TcpServerTest {

    @Test
    public void echoesAndCounts() throws Exception {
        try (TcpServer server = TcpServer.builder().handler(ECHO).start()) {
            assertNotEquals(server.address().getPort(), 0);
            assertEquals(server.address().getAddress(), InetAddress.getLoopbackAddress());
            assertEquals(server.backend().name(), io.loomux.Loomux.defaultBackend().name());
            try (Socket a = connect(server.address()); Socket b = connect(server.address());
                 Socket c = connect(server.address())) {
                assertEquals(echo(a, "hello"), "hello");
                assertEquals(echo(b, "hello"), "hello");
                assertEquals(echo(c, "hello"), "hello");
                assertEquals(echo(a, "again"), "again");
                // The runtime may count a write just after the peer could read it: wait for it.
                await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().bytesOut() >= 20);
                ServerStats st = server.stats();
                assertEquals(st.accepted(), 3);
                assertEquals(st.active(), 3);
                assertTrue(st.bytesIn() >= 20, st.toString());
                assertTrue(st.polls() > 0, st.toString());
                assertEquals(st.acceptErrors(), 0);

                List<ConnectionInfo> open = server.connections();
                assertEquals(open.size(), 3);
                long fromA = open.stream().filter(i -> i.remote().getPort() == a.getLocalPort())
                        .mapToLong(ConnectionInfo::bytesIn).sum();
                assertEquals(fromA, 10);
            }
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().active() == 0);
            assertEquals(server.stats().accepted(), 3);
        }
    }

    @Test
    public void handlerRunsOnItsOwnNamedVirtualThreadWithTheServersSettings() throws Exception {
        CompletableFuture<String> seen = new CompletableFuture<>();
        ConnectionHandler h = c -> seen.complete(Thread.currentThread().isVirtual() + " "
                + Thread.currentThread().getName() + " " + c.readTimeout() + " " + c.writeTimeout() + " "
                + c.getOption(StandardSocketOptions.TCP_NODELAY));
        try (TcpServer server = TcpServer.builder().handler(h).readTimeout(Duration.ofSeconds(7))
                .writeTimeout(Duration.ofSeconds(9)).start();
             Socket s = connect(server.address())) {
            assertEquals(seen.get(5, TimeUnit.SECONDS), "true loomux-conn-1 PT7S PT9S true");
            assertTrue(closedByServer(s), "closed when the handler returned");
        }
    }

    @Test
    public void readTimeoutIsAppliedToAcceptedConnections() throws Exception {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        ConnectionHandler h = c -> {
            try {
                c.read(ByteBuffer.allocate(8));
                thrown.complete(null);
            } catch (IOException e) {
                thrown.complete(e);
            }
        };
        try (TcpServer server = TcpServer.builder().handler(h).readTimeout(Duration.ofMillis(200)).start();
             Socket s = connect(server.address())) {
            assertTrue(s.isConnected());
            assertTrue(thrown.get(5, TimeUnit.SECONDS) instanceof SocketTimeoutException);
            assertTrue(server.stats().timeouts() >= 1);
        }
    }

    @Test
    public void aThrowingHandlerLosesOnlyItsOwnConnection() throws Exception {
        ConnectionHandler h = c -> {
            ByteBuffer b = ByteBuffer.allocate(1);
            c.read(b);
            if (b.get(0) == '!') {
                throw new IllegalStateException("handler failure (expected by the test)");
            }
            b.flip();
            c.write(b);
            ECHO.handle(c);
        };
        try (TcpServer server = TcpServer.builder().handler(h).start();
             Socket good = connect(server.address()); Socket bad = connect(server.address())) {
            assertEquals(echo(good, "a"), "a");
            TestSupport.send(bad, "!");
            assertTrue(closedByServer(bad));
            assertEquals(echo(good, "still here"), "still here");
            try (Socket next = connect(server.address())) {
                assertEquals(echo(next, "b"), "b");
            }
        }
    }

    @Test
    public void runsOnASharedRuntimeWithoutClosingIt() throws Exception {
        try (Loomux rt = Loomux.open()) {
            TcpServer server = TcpServer.builder().loomux(rt).handler(ECHO).start();
            try (Socket s = connect(server.address())) {
                assertEquals(echo(s, "x"), "x");
            }
            assertTrue(server.shutdown(Duration.ofSeconds(5)));
            try (Listener l = rt.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                assertTrue(l.isOpen(), "the shared runtime still works");
            }
        }
    }

    @Test
    public void namedBackend() throws Exception {
        try (TcpServer server = TcpServer.builder().backend("selector").pollers(2).handler(ECHO).start()) {
            assertEquals(server.backend().name(), "selector");
            assertEquals(server.pollers(), 2);
        }
        BackendSelectionException e = expectThrows(BackendSelectionException.class,
                () -> TcpServer.builder().backend("no-such-backend").handler(ECHO).start());
        assertTrue(e.getMessage().contains("no-such-backend"), e.getMessage());
    }

    @Test
    public void builderRejectsBadArgumentsClearly() {
        assertThrows(IllegalArgumentException.class, () -> TcpServer.builder().maxConnections(0));
        assertThrows(IllegalArgumentException.class, () -> TcpServer.builder().backlog(0));
        assertThrows(IllegalArgumentException.class, () -> TcpServer.builder().pollers(-1));
        assertThrows(IllegalArgumentException.class, () -> TcpServer.builder().handler(null));
        assertThrows(IllegalArgumentException.class, () -> TcpServer.builder().address(null));
        assertThrows(IllegalArgumentException.class,
                () -> TcpServer.builder().address(InetSocketAddress.createUnresolved("x.invalid", 1)));
        assertThrows(IllegalArgumentException.class, () -> TcpServer.builder().idleTimeout(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> TcpServer.builder().readTimeout(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> TcpServer.builder().writeTimeout(Duration.ofSeconds(-1)));
        IllegalArgumentException noHandler = expectThrows(IllegalArgumentException.class,
                () -> TcpServer.builder().start());
        assertTrue(noHandler.getMessage().contains("handler"), noHandler.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TcpServer.builder().readableHandler(null));
        IllegalArgumentException both = expectThrows(IllegalArgumentException.class,
                () -> TcpServer.builder().handler(TestSupport.ECHO).readableHandler(c -> false).start());
        assertTrue(both.getMessage().contains("both"), both.getMessage());
    }

    @Test
    public void aSharedRuntimeExcludesBackendAndPollers() throws Exception {
        try (Loomux rt = Loomux.open()) {
            assertThrows(IllegalArgumentException.class,
                    () -> TcpServer.builder().loomux(rt).backend("selector").handler(ECHO).start());
            assertThrows(IllegalArgumentException.class,
                    () -> TcpServer.builder().loomux(rt).pollers(3).handler(ECHO).start());
        }
    }

    @Test
    public void aBusyPortFailsToStart() throws Exception {
        try (TcpServer first = TcpServer.builder().handler(ECHO).jmx(false).start()) {
            assertThrows(IOException.class,
                    () -> TcpServer.builder().address(first.address()).handler(ECHO).jmx(false).start());
            try (Socket s = connect(first.address())) {
                assertEquals(echo(s, "ok"), "ok");
            }
        }
    }

    @Test
    public void closingTheConnectionInTheHandlerFreesItsPlaceAtOnce() throws Exception {
        CompletableFuture<Void> release = new CompletableFuture<>();
        ConnectionHandler h = c -> {
            c.close();
            release.get(10, TimeUnit.SECONDS); // the handler goes on after closing
        };
        try (TcpServer server = TcpServer.builder().handler(h).maxConnections(1).start();
             Socket a = connect(server.address()); Socket b = connect(server.address())) {
            assertTrue(a.isConnected() && b.isConnected());
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().accepted() == 2);
            assertEquals(server.stats().active(), 0);
            release.complete(null);
        }
    }

    /** The handler's view keeps the api's contract for streams. */
    @Test
    public void streamsGoThroughTheTrackingConnection() throws Exception {
        ConnectionHandler h = (Connection c) -> c.inputStream().transferTo(c.outputStream());
        try (TcpServer server = TcpServer.builder().handler(h).start(); Socket s = connect(server.address())) {
            assertEquals(echo(s, "streams"), "streams");
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.connections().get(0).bytesOut() == 7);
            assertEquals(server.connections().get(0).bytesIn(), 7);
        }
    }
}
