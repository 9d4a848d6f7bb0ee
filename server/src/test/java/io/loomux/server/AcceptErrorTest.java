package io.loomux.server;

import io.loomux.Connection;
import io.loomux.Listener;
import org.testng.annotations.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.loomux.server.TestSupport.ECHO;
import static io.loomux.server.TestSupport.connect;
import static io.loomux.server.TestSupport.echo;
import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;

public class AcceptErrorTest {

    /**
     * A listener whose next accepts fail as {@link #failures} says, in order: as when out of
     * file descriptors, or with what logging that failure threw when it needed one.
     */
    private static final class Failing implements Listener {
        final Listener real;
        final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();

        Failing(Listener real) {
            this.real = real;
        }

        void fail(int times, Supplier<Throwable> what) {
            for (int i = 0; i < times; i++) {
                failures.add(what.get());
            }
        }

        @Override
        public Connection accept() throws IOException {
            Throwable t = failures.poll();
            if (t instanceof IOException e) {
                throw e;
            } else if (t instanceof Error e) {
                throw e;
            } else if (t != null) {
                throw (RuntimeException) t;
            }
            return real.accept();
        }

        @Override
        public Connection accept(Duration timeout) throws IOException {
            return real.accept(timeout);
        }

        @Override
        public InetSocketAddress localAddress() {
            return real.localAddress();
        }

        @Override
        public boolean isOpen() {
            return real.isOpen();
        }

        @Override
        public void close() throws IOException {
            real.close();
        }
    }

    @Test
    public void acceptErrorsAreCountedBackedOffAndTheOpenConnectionsServed() throws Exception {
        Failing[] failing = new Failing[1];
        try (TcpServer server = TcpServer.builder().handler(ECHO)
                .listenerWrapper(l -> failing[0] = new Failing(l)).start();
             Socket a = connect(server.address())) {
            assertEquals(echo(a, "a"), "a");
            failing[0].fail(5, () -> new SocketException("Too many open files")); // the acceptor waits in accept now
            try (Socket b = connect(server.address())) {
                assertEquals(echo(b, "b"), "b");
                // The five failures come right after b's accept, with pauses 10, 20, 40, 80, 160 ms.
                await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().acceptErrors() >= 2);
                assertEquals(echo(a, "a still served"), "a still served");
                try (Socket c = connect(server.address())) {
                    assertEquals(echo(c, "c"), "c");
                }
            }
            assertEquals(server.stats().acceptErrors(), 5);
            assertEquals(server.stats().accepted(), 3);
        }
    }

    /**
     * Out of descriptors, logging the failure may itself fail: the JDK's log formatter loads the
     * time-zone data on first use, which needs a descriptor, and throws an {@link Error}. The
     * acceptor must survive that as any other failure, and accept again.
     */
    @Test(timeOut = 30_000)
    public void theAcceptorSurvivesErrorsAndAcceptsAgain() throws Exception {
        Failing[] failing = new Failing[1];
        try (TcpServer server = TcpServer.builder().handler(ECHO)
                .listenerWrapper(l -> failing[0] = new Failing(l)).start();
             Socket a = connect(server.address())) {
            assertEquals(echo(a, "a"), "a");
            failing[0].fail(2, () -> new SocketException("Too many open files"));
            failing[0].fail(2, () -> new Error("java.io.FileNotFoundException: tzdb.dat (Too many open files)"));
            failing[0].fail(1, () -> new StackOverflowError());
            failing[0].fail(1, () -> new IllegalStateException("a backend's bug"));
            try (Socket b = connect(server.address())) {
                assertEquals(echo(b, "b"), "b");
                await().atMost(10, TimeUnit.SECONDS).until(() -> failing[0].failures.isEmpty());
                try (Socket c = connect(server.address())) {
                    assertEquals(echo(c, "c after errors"), "c after errors");
                }
            }
            assertEquals(server.stats().acceptErrors(), 6);
            assertEquals(server.stats().accepted(), 3);
        }
    }
}
