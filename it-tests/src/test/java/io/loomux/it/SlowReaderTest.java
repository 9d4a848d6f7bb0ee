package io.loomux.it;

import io.loomux.Loomux;
import io.loomux.RuntimeStats;
import io.loomux.server.TcpServer;
import org.testng.annotations.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * Scenario 2, slow reader: the server writes 32 MiB of a deterministic pattern to a client with
 * an 8 KiB receive buffer that reads 1 KiB at a time, and only in bursts.
 *
 * <p>The client's pauses are waits on a condition, not timed pauses: before each 1 MiB burst it waits until the
 * writer is parked (its thread waits, and the server's runtime counted a park since the previous
 * burst began: the buffers hold far less than a burst, so the writer must have found the socket
 * full and parked at least once while the client read it).
 * A writer that spins, buffers without bound, or is never woken fails the test: the park never
 * comes, the handler gets ahead of the reader by more than the socket buffers hold, or the rest
 * of the stream never arrives. Every byte is checked against its offset in the stream.
 */
public class SlowReaderTest extends BackendTestBase {

    static final long TOTAL = 32L * 1024 * 1024;
    static final int BURST = 1024 * 1024;
    static final int CHUNK = 64 * 1024;
    /** Kernel buffers with an 8 KiB receiver and a 16 KiB sender hold far less than this. */
    static final long MAX_AHEAD = 1024 * 1024;

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 120_000)
    public void writerParksForSlowReaderAndEveryByteArrives(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        AtomicLong handed = new AtomicLong();
        AtomicReference<Thread> writer = new AtomicReference<>();
        CompletableFuture<Void> handlerDone = new CompletableFuture<>();
        TcpServer server = start(backend, TcpServer.builder().loomux(rt)
                .address(new InetSocketAddress(LOOPBACK, 0))
                .handler(c -> {
                    writer.set(Thread.currentThread());
                    try {
                        c.setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
                        c.setWriteTimeout(Duration.ofSeconds(30));
                        byte[] chunk = new byte[CHUNK];
                        for (long off = 0; off < TOTAL; off += CHUNK) {
                            Io.fillPattern(chunk, CHUNK, off);
                            ByteBuffer src = ByteBuffer.wrap(chunk);
                            assertEquals(c.write(src), CHUNK);
                            assertEquals(src.remaining(), 0, "write returned with bytes left");
                            handed.addAndGet(CHUNK);
                        }
                        c.shutdownOutput();
                        handlerDone.complete(null);
                    } catch (Throwable t) {
                        handlerDone.completeExceptionally(t);
                        throw t;
                    }
                }));

        String what = "backend " + backend;
        long parksAtStart = rt.stats().parks();
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(8 * 1024);
            client.setSoTimeout(10_000);
            client.connect(server.address(), 10_000);
            InputStream in = client.getInputStream();
            byte[] buf = new byte[1024];
            long received = 0;
            int bursts = 0;
            long t0 = System.nanoTime();
            long parksBeforeBurst = parksAtStart;
            for (int guard = 0; received < TOTAL; guard++) {
                assertTrue(guard <= TOTAL / BURST, what + ": too many bursts");
                // The pause: read nothing until the writer is parked.
                long before = parksBeforeBurst;
                await(what + ": the writer parks while the client is not reading (" + received + " B read)")
                        .atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                        .until(() -> handlerDone.isDone() || (rt.stats().parks() > before && parked(writer.get())));
                if (handlerDone.isDone()) {
                    handlerDone.get(); // rethrows the handler's failure, if that is why
                    throw new AssertionError(what + ": the writer finished all " + TOTAL
                            + " B while the client had read only " + received + " B");
                }
                long ahead = handed.get() - received;
                assertTrue(ahead <= MAX_AHEAD, what + ": the writer is " + ahead
                        + " B ahead of a reader that stopped; it is not held back by the socket");
                bursts++;
                parksBeforeBurst = rt.stats().parks();
                long end = Math.min(TOTAL, received + BURST);
                for (int reads = 0; received < end; reads++) {
                    assertTrue(reads <= BURST, what + ": read loop did not progress");
                    int n = in.read(buf, 0, (int) Math.min(buf.length, end - received));
                    if (n < 0) {
                        throw new AssertionError(what + ": end of stream after " + received + " of " + TOTAL + " B");
                    }
                    Io.checkPattern(buf, n, received, what);
                    received += n;
                }
            }
            assertEquals(in.read(), -1, what + ": expected end of stream after " + TOTAL + " B");
            handlerDone.get(10, TimeUnit.SECONDS);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            RuntimeStats stats = rt.stats();
            System.out.println(getTestName() + ": " + TOTAL + " B in " + bursts + " bursts, " + ms + " ms; "
                    + (stats.parks() - parksAtStart) + " parks; " + stats + "; " + server.stats());
            assertEquals(bursts, (int) (TOTAL / BURST), what + ": bursts");
            // Each pause waited for a new park; after each the writer resumed, or no more would come.
            assertTrue(stats.parks() - parksAtStart >= bursts, what + ": parks " + stats);
            assertTrue(stats.bytesWritten() >= TOTAL, what + ": runtime bytesWritten " + stats);
            assertTrue(server.stats().bytesOut() >= TOTAL, what + ": server bytesOut " + server.stats());
            assertTrue(server.stats().parks() > 0, what + ": server parks " + server.stats());
        }
    }

    private static boolean parked(Thread t) {
        if (t == null) {
            return false;
        }
        Thread.State s = t.getState();
        return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
    }
}
