package io.loomux.http.internal;

import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.Loomux;
import io.loomux.http.HttpServerSettings;
import org.testng.annotations.Test;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/**
 * The header and idle timeouts end a wait for the client, never a client the server has not yet
 * looked at. Under a CPU starved by other work a new connection's thread may not have run, or
 * may still be working through a TLS handshake, when the header timeout passes; the reaper then
 * closed clients that had done nothing wrong (the soak's lost HTTPS connections, "no request
 * began within the header timeout"). The tests put the reaper's tick where that race would:
 * after the timeout, before the connection's thread has run, then while it waits on its client;
 * and a read past a head's deadline where the head has arrived.
 */
public class TimeoutsBlameOnlyTheClientTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /**
     * A thread that runs (as one working through a handshake does, or one whose readiness has
     * come and that waits for a carrier) is not waiting on its client; a parked one is.
     */
    @Test(timeOut = 30_000)
    public void onlyAParkedThreadWaitsOnItsClient() throws Exception {
        assertFalse(ServedConnection.waitsOnClient(null), "a thread not started yet");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        Thread busy = Thread.ofPlatform().start(() -> {
            running.countDown();
            long until = System.nanoTime() + WAIT.toNanos();
            // Bounded by WAIT: runnable all along, as a thread doing a handshake's work is.
            while (release.getCount() > 0 && System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
        });
        try {
            assertTrue(running.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            assertFalse(ServedConnection.waitsOnClient(busy), "a running thread");
        } finally {
            release.countDown();
            busy.join(WAIT.toMillis());
        }
        CountDownLatch never = new CountDownLatch(1);
        Thread parked = Thread.ofVirtual().start(() -> {
            try {
                never.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException ignored) {
                // The test is over.
            }
        });
        try {
            await().atMost(WAIT).until(() -> parked.getState() == Thread.State.TIMED_WAITING);
            assertTrue(ServedConnection.waitsOnClient(parked), "a parked thread");
        } finally {
            never.countDown();
            parked.join(WAIT.toMillis());
        }
    }

    @Test(dataProvider = "backends", dataProviderClass = BackendNames.class, timeOut = 30_000)
    public void aConnectionWhoseThreadHasNotRunOutlivesTheHeaderTimeoutUntilItWaitsOnItsClient(String backend)
            throws Exception {
        HttpServerSettings settings = HttpServerSettings.builder().headerTimeout(Duration.ofSeconds(1)).build();
        try (Loomux runtime = Loomux.builder().backend(backend).pollers(1).build();
             Listener listener = runtime.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             Socket client = new Socket()) {
            ServerCore core = new ServerCore(runtime, settings);
            client.setSoTimeout((int) WAIT.toMillis());
            client.connect(listener.localAddress(), (int) WAIT.toMillis());
            Connection accepted = listener.accept();
            Http1Connection hc = new Http1Connection(core, accepted, null);
            long late = System.nanoTime() + TimeUnit.HOURS.toNanos(1);

            // Accepted, its thread not started: the server is behind, not the client.
            hc.closeIfIdleSince(late);
            assertTrue(accepted.isOpen(), "closed a connection whose thread had not run yet");

            // Its own thread waits for the first request that never comes: now it is the client's.
            Thread t = Thread.ofVirtual().start(hc);
            await().atMost(WAIT).alias("the connection's thread waits for its first request")
                    .until(() -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
            hc.closeIfIdleSince(late);
            assertFalse(accepted.isOpen(), "a connection waiting on a silent client past the header timeout stayed open");
            InputStream in = client.getInputStream();
            assertEquals(in.read(), -1, "the client did not see the connection end");
            t.join(WAIT.toMillis());
            assertFalse(t.isAlive(), "the connection's thread did not end");
        }
    }

    /**
     * The header deadline, like the reaper, ends a wait for the client: a read after the
     * deadline still returns the bytes that have arrived (a well-behaved client's head, read in
     * pieces by a server that fell behind), and only a read that finds nothing times out.
     */
    @Test(dataProvider = "backends", dataProviderClass = BackendNames.class, timeOut = 30_000)
    public void aReadPastTheHeaderDeadlineReturnsWhatHasArrivedAndOnlyThenTimesOut(String backend) throws Exception {
        try (Loomux runtime = Loomux.builder().backend(backend).pollers(1).build();
             Listener listener = runtime.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             Socket client = new Socket()) {
            client.connect(listener.localAddress(), (int) WAIT.toMillis());
            try (Connection accepted = listener.accept()) {
                byte[] line = "GET / HTTP/1.1\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                client.getOutputStream().write(line);
                // A 4-byte buffer: the line is read in pieces, as short reads deliver it.
                HttpInput in = new HttpInput(new PlainTransport(accepted), ByteBuffer.allocate(4));
                byte[] got = new byte[line.length];
                int n = in.read(got, 0, 4);
                assertTrue(n > 0, "the first piece");
                in.deadline(System.nanoTime() - 1);
                // Bounded by the line's length: each read returns at least one byte or throws.
                while (n < line.length) {
                    n += in.read(got, n, line.length - n);
                }
                assertEquals(new String(got, java.nio.charset.StandardCharsets.ISO_8859_1),
                        new String(line, java.nio.charset.StandardCharsets.ISO_8859_1));
                try {
                    in.read();
                    throw new AssertionError("a read past the deadline with nothing to read did not time out");
                } catch (java.net.SocketTimeoutException expected) {
                    // Nothing had arrived: the client's time is up.
                }
            }
        }
    }
}
