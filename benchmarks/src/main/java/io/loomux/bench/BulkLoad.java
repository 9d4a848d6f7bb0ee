package io.loomux.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code EchoLoad bulk}: each connection writes its share of the bytes while a reader checks every
 * echoed byte against the pattern (see {@link EchoLoad} for the arguments and the output line).
 */
final class BulkLoad {

    private BulkLoad() {
    }

    /** Writes {@code len} pattern bytes starting at pattern offset {@code start}, in chunks. */
    private static void writePattern(OutputStream os, long len, int start) throws IOException {
        long written = 0;
        while (written < len) {
            int n = (int) Math.min(EchoLoad.CHUNK, len - written);
            os.write(EchoLoad.PATTERN, EchoLoad.patternOffset(written, start), n);
            written += n;
        }
    }

    static int run(String[] args) throws InterruptedException {
        EchoLoad.expectArgs(args, 4, 5);
        InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int connections = EchoLoad.positive(args[2], "connections");
        long total = EchoLoad.parseBytes(args[3]);
        long timeoutNanos = TimeUnit.SECONDS.toNanos(args.length > 4 ? EchoLoad.positive(args[4], "timeoutSeconds") : 120);
        if (total < connections) {
            throw new IllegalArgumentException("totalBytes must be at least one byte per connection");
        }

        LongAdder received = new LongAdder();
        LongAdder errors = new LongAdder();
        ConcurrentLinkedQueue<Socket> sockets = new ConcurrentLinkedQueue<>();
        Semaphore connecting = new Semaphore(EchoLoad.CONNECTS_IN_FLIGHT);
        CountDownLatch connected = new CountDownLatch(connections);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(connections);
        AtomicBoolean over = new AtomicBoolean();
        AtomicLong lastDone = new AtomicLong();
        for (int i = 0; i < connections; i++) {
            int id = i;
            long share = total / connections + (i < total % connections ? 1 : 0);
            Thread.ofVirtual().start(() -> {
                Socket s = new Socket();
                sockets.add(s);
                boolean counted = false;
                try (s) {
                    s.setTcpNoDelay(true);
                    s.setSoTimeout(EchoLoad.IO_TIMEOUT_MS);
                    connecting.acquire();
                    try {
                        s.connect(target, EchoLoad.IO_TIMEOUT_MS);
                    } finally {
                        connecting.release();
                    }
                    connected.countDown();
                    counted = true;
                    go.await();
                    bulkConnection(s, id, share, received);
                    lastDone.accumulateAndGet(System.nanoTime(), Math::max);
                } catch (IOException e) {
                    if (!over.get()) {
                        System.err.println("connection " + id + ": " + e);
                    }
                    errors.increment();
                } catch (InterruptedException e) {
                    errors.increment();
                    Thread.currentThread().interrupt();
                } finally {
                    if (!counted) {
                        connected.countDown();
                    }
                    done.countDown();
                }
            });
        }
        if (!connected.await(60, TimeUnit.SECONDS)) {
            System.err.println("connections did not open in 60 s");
            return 1;
        }
        long start = System.nanoTime();
        go.countDown();
        boolean finished = done.await(timeoutNanos, TimeUnit.NANOSECONDS);
        if (!finished) {
            over.set(true);
            System.err.println("bulk: gave up after " + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s with "
                    + done.getCount() + " connections unfinished");
            for (Socket s : sockets) {
                try {
                    s.close(); // wakes the blocked readers and writers, which count as errors
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            done.await(10, TimeUnit.SECONDS);
        }
        long end = finished && errors.sum() == 0 ? lastDone.get() : System.nanoTime();
        double seconds = Math.max(end - start, 1) / 1e9;
        System.out.printf("GB/s=%.3f seconds=%.3f errors=%d connections=%d bytes=%d%n",
                received.sum() / seconds / 1e9, seconds, errors.sum() + done.getCount(), connections, received.sum());
        return finished && errors.sum() == 0 && received.sum() == total ? 0 : 1;
    }

    /** Streams {@code share} pattern bytes on one thread while this one reads and checks the echo. */
    private static void bulkConnection(Socket s, int id, long share, LongAdder received)
            throws IOException, InterruptedException {
        int start = id % EchoLoad.PERIOD; // connections carry differently shifted streams
        OutputStream os = s.getOutputStream();
        InputStream is = s.getInputStream();
        IOException[] writeFailure = new IOException[1];
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                writePattern(os, share, start);
            } catch (IOException e) {
                writeFailure[0] = e;
            }
        });
        byte[] in = new byte[EchoLoad.CHUNK];
        long got = 0;
        try {
            while (got < share) {
                int n = is.read(in, 0, (int) Math.min(in.length, share - got));
                if (n < 0) {
                    throw new IOException("server closed the connection after " + got + " of " + share + " bytes");
                }
                int p = EchoLoad.patternOffset(got, start);
                if (!Arrays.equals(in, 0, n, EchoLoad.PATTERN, p, p + n)) {
                    throw new IOException("echo mismatch on connection " + id + " near byte " + got);
                }
                got += n;
                received.add(n);
            }
        } finally {
            if (got < share) {
                s.close(); // stops the writer
            }
            writer.join();
        }
        if (writeFailure[0] != null) {
            throw writeFailure[0];
        }
    }
}
