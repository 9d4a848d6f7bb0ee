package io.loomux.server;

import io.loomux.Connection;
import io.loomux.Listener;
import org.testng.annotations.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.loomux.server.TestSupport.ECHO;
import static io.loomux.server.TestSupport.connect;
import static io.loomux.server.TestSupport.echo;
import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;

public class AcceptErrorTest {

    /** A listener whose next {@code failures} accepts fail as when out of file descriptors. */
    private static final class Failing implements Listener {
        final Listener real;
        final AtomicInteger failures = new AtomicInteger();

        Failing(Listener real) {
            this.real = real;
        }

        @Override
        public Connection accept() throws IOException {
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new SocketException("Too many open files");
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
            failing[0].failures.set(5); // the acceptor is parked in a real accept now
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
}
