package io.loomux.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * An echo load generator: N connections, each a virtual thread that sends a message, reads the
 * whole echo back, checks every byte, and repeats, for a warm-up and then a measured period.
 *
 * <p>Usage: {@code EchoLoad host port connections messageBytes warmupSeconds seconds}. Prints one
 * line: {@code msgs/s=… p50us=… p99us=… errors=…}. Bounded: every connection stops at the
 * deadline, and the whole run ends within its duration plus 30 s.
 */
public final class EchoLoad {

    private EchoLoad() {
    }

    /**
     * @param args host port connections messageBytes warmupSeconds seconds
     * @throws Exception if the run cannot start
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: EchoLoad host port connections messageBytes warmupSeconds seconds");
            System.exit(2);
        }
        InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int connections = Integer.parseInt(args[2]);
        int size = Integer.parseInt(args[3]);
        long warmupNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[4]));
        long runNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[5]));

        LongAdder messages = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        List<Histogram> histograms = new ArrayList<>();
        CountDownLatch connected = new CountDownLatch(connections);
        CountDownLatch done = new CountDownLatch(connections);
        AtomicLong connectFailures = new AtomicLong();
        for (int i = 0; i < connections; i++) {
            Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 2);
            histograms.add(h);
            int id = i;
            Thread.ofVirtual().start(() -> {
                try (Socket s = new Socket()) {
                    s.setTcpNoDelay(true);
                    s.connect(target, 10_000);
                    connected.countDown();
                    connected.await();
                    run(s, id, size, h, messages, measuring, stop);
                } catch (IOException e) {
                    if (!stop.get()) {
                        errors.increment();
                        if (connected.getCount() > 0) {
                            connectFailures.incrementAndGet();
                            connected.countDown();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            });
        }
        if (!connected.await(60, TimeUnit.SECONDS)) {
            System.err.println("connections did not open in 60 s");
            System.exit(1);
        }
        TimeUnit.NANOSECONDS.sleep(warmupNanos);
        for (Histogram h : histograms) {
            h.reset(); // racy with the writers, acceptable for a warm-up boundary
        }
        long before = messages.sum();
        measuring.set(true);
        long start = System.nanoTime();
        TimeUnit.NANOSECONDS.sleep(runNanos);
        long count = messages.sum() - before;
        double seconds = (System.nanoTime() - start) / 1e9;
        stop.set(true);
        done.await(30, TimeUnit.SECONDS);
        Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(10), 2);
        for (Histogram h : histograms) {
            all.add(h);
        }
        System.out.printf("msgs/s=%.0f p50us=%.1f p99us=%.1f errors=%d connections=%d size=%d total=%d%n",
                count / seconds, all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(99) / 1e3,
                errors.sum(), connections, size, messages.sum());
        System.exit(errors.sum() == 0 ? 0 : 1);
    }

    private static void run(Socket s, int id, int size, Histogram h, LongAdder messages, AtomicBoolean measuring,
                            AtomicBoolean stop) throws IOException {
        byte[] out = new byte[size];
        byte[] in = new byte[size];
        OutputStream os = s.getOutputStream();
        InputStream is = s.getInputStream();
        long seq = 0;
        while (!stop.get()) {
            Arrays.fill(out, (byte) (id + seq));
            long t0 = System.nanoTime();
            os.write(out);
            int got = 0;
            while (got < size) {
                int n = is.read(in, got, size - got);
                if (n < 0) {
                    throw new IOException("server closed the connection");
                }
                got += n;
            }
            long t1 = System.nanoTime();
            if (!Arrays.equals(in, out)) {
                throw new IOException("echo mismatch on connection " + id);
            }
            if (measuring.get()) {
                h.recordValue(Math.min(t1 - t0, h.getHighestTrackableValue()));
            }
            messages.increment();
            seq++;
        }
    }
}
