package io.loomux.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code EchoLoad churn}: loops of connect, one echo, close, on selector threads as in ping-pong
 * (see {@link EchoLoad} for the arguments and the output line).
 */
final class ChurnLoad {

    /** Time for one churn cycle (connect, echo, close), in ms. */
    private static final int CHURN_TIMEOUT_MS = 5_000;

    private ChurnLoad() {
    }

    static int run(String[] args) throws InterruptedException {
        EchoLoad.expectArgs(args, 5, 6);
        InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int concurrency = EchoLoad.positive(args[2], "concurrency");
        long warmupNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[3]));
        long runNanos = TimeUnit.SECONDS.toNanos(EchoLoad.positive(args[4], "seconds"));
        int size = args.length > 5 ? EchoLoad.positive(args[5], "messageBytes") : 64;
        byte[] pattern = EchoLoad.pattern(EchoLoad.PERIOD + Math.max(EchoLoad.CHUNK, size));

        LongAdder cycles = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        int threads = Math.min(Runtime.getRuntime().availableProcessors(), concurrency);
        List<ChurnLoop> loops = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                loops.add(new ChurnLoop(target, size, pattern, cycles, errors, stop));
            }
        } catch (IOException e) {
            System.err.println("EchoLoad: cannot open a selector: " + e);
            return 1;
        }
        for (int i = 0; i < concurrency; i++) {
            ChurnLoop loop = loops.get(i % threads);
            loop.slots.add(new ChurnSlot(i, loop.pattern, size));
        }
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            running.add(Thread.ofPlatform().name("echoload-churn-" + t).start(loops.get(t)));
        }
        TimeUnit.NANOSECONDS.sleep(warmupNanos);
        for (ChurnLoop loop : loops) {
            loop.recorder.getIntervalHistogram(); // discards the warm-up's latencies
        }
        long before = cycles.sum();
        long errorsBefore = errors.sum();
        long start = System.nanoTime();
        TimeUnit.NANOSECONDS.sleep(runNanos);
        long count = cycles.sum() - before;
        double seconds = (System.nanoTime() - start) / 1e9;
        Histogram all = new Histogram(EchoLoad.HIGHEST_NANOS, 2);
        for (ChurnLoop loop : loops) {
            all.add(loop.recorder.getIntervalHistogram());
        }
        stop.set(true);
        long joinDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Thread t : running) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinDeadline - System.nanoTime())));
        }
        System.out.printf("conns/s=%.0f p50us=%.1f p99us=%.1f errors=%d concurrency=%d total=%d%n",
                count / seconds, all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(99) / 1e3,
                errors.sum(), concurrency, count);
        if (errorsBefore > 0) {
            System.err.println("EchoLoad: " + errorsBefore + " of the errors were during the warm-up");
        }
        return errors.sum() == 0 ? 0 : 1;
    }

    /** One of the concurrent churn loops: the connection of its current cycle, if any. */
    private static final class ChurnSlot {
        final int id;
        final ByteBuffer out;
        final ByteBuffer expected;
        final ByteBuffer in;
        SocketChannel ch;
        SelectionKey key;
        int offset;
        long seq;
        long startedAt;
        long notBefore;

        ChurnSlot(int id, ByteBuffer pattern, int size) {
            this.id = id;
            this.out = pattern.duplicate();
            this.expected = pattern.duplicate();
            this.in = ByteBuffer.allocateDirect(size);
        }
    }

    /** A selector thread running its slots' cycles: connect, one echo, close, again. */
    private static final class ChurnLoop implements Runnable {
        final SingleWriterRecorder recorder = new SingleWriterRecorder(EchoLoad.HIGHEST_NANOS, 2);
        final List<ChurnSlot> slots = new ArrayList<>();
        private final ArrayDeque<ChurnSlot> backingOff = new ArrayDeque<>();
        private final Selector selector;
        private final InetSocketAddress target;
        private final int size;
        final ByteBuffer pattern;
        private final LongAdder cycles;
        private final LongAdder errors;
        private final AtomicBoolean stop;

        ChurnLoop(InetSocketAddress target, int size, byte[] pattern, LongAdder cycles, LongAdder errors,
                  AtomicBoolean stop) throws IOException {
            this.selector = Selector.open();
            this.target = target;
            this.size = size;
            this.pattern = EchoLoad.directCopy(pattern);
            this.cycles = cycles;
            this.errors = errors;
            this.stop = stop;
        }

        @Override
        public void run() {
            try {
                for (ChurnSlot s : slots) {
                    begin(s);
                }
                long nextScan = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                while (!stop.get()) {
                    selector.select(this::ready, backingOff.isEmpty() ? 100 : 1);
                    long now = System.nanoTime();
                    while (!backingOff.isEmpty() && now - backingOff.peekFirst().notBefore >= 0 && !stop.get()) {
                        begin(backingOff.pollFirst());
                    }
                    if (now - nextScan >= 0) { // a cycle that does not finish in time is an error
                        nextScan = now + TimeUnit.SECONDS.toNanos(1);
                        for (ChurnSlot s : slots) {
                            if (s.ch != null && now - s.startedAt > TimeUnit.MILLISECONDS.toNanos(CHURN_TIMEOUT_MS)) {
                                fail(s, "cycle not done within " + CHURN_TIMEOUT_MS / 1000 + " s");
                            }
                        }
                    }
                }
            } catch (IOException e) {
                errors.increment();
                System.err.println("EchoLoad: selector failed: " + e);
            } finally {
                for (ChurnSlot s : slots) {
                    EchoLoad.closeQuietly(s.ch);
                }
                EchoLoad.closeQuietly(selector);
            }
        }

        private void ready(SelectionKey key) {
            ChurnSlot s = (ChurnSlot) key.attachment();
            try {
                if (key.isValid() && key.isConnectable()) {
                    connected(s);
                }
                if (key.isValid() && key.isWritable()) {
                    flush(s);
                }
                if (key.isValid() && key.isReadable()) {
                    receive(s);
                }
            } catch (IOException | RuntimeException e) {
                fail(s, e.toString());
            }
        }

        private void begin(ChurnSlot s) {
            s.offset = EchoLoad.patternOffset(s.seq++ * 7 + s.id, 0);
            s.out.clear().position(s.offset).limit(s.offset + size);
            s.in.clear();
            s.startedAt = System.nanoTime();
            try {
                s.ch = SocketChannel.open();
                s.ch.configureBlocking(false);
                s.ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (s.ch.connect(target)) {
                    s.key = s.ch.register(selector, SelectionKey.OP_READ, s);
                    flush(s);
                } else {
                    s.key = s.ch.register(selector, SelectionKey.OP_CONNECT, s);
                }
            } catch (IOException | RuntimeException e) {
                fail(s, e.toString());
            }
        }

        private void connected(ChurnSlot s) throws IOException {
            if (s.ch.finishConnect()) {
                flush(s);
            }
        }

        private void flush(ChurnSlot s) throws IOException {
            s.ch.write(s.out);
            int ops = s.out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            if (s.key.interestOps() != ops) {
                s.key.interestOps(ops);
            }
        }

        private void receive(ChurnSlot s) throws IOException {
            if (s.ch.read(s.in) < 0) {
                throw new IOException("server closed the connection before the echo");
            }
            if (s.in.hasRemaining()) {
                return;
            }
            s.in.flip();
            s.expected.clear().position(s.offset).limit(s.offset + size);
            if (!s.in.equals(s.expected)) {
                throw new IOException("echo mismatch");
            }
            s.ch.close(); // the key goes with it
            s.ch = null;
            long now = System.nanoTime();
            if (!stop.get()) {
                recorder.recordValue(Math.min(Math.max(now - s.startedAt, 0), EchoLoad.HIGHEST_NANOS));
                cycles.increment();
                begin(s);
            }
        }

        private void fail(ChurnSlot s, String why) {
            EchoLoad.closeQuietly(s.ch);
            s.ch = null;
            if (stop.get()) {
                return;
            }
            if (errors.sum() < 5) {
                System.err.println("EchoLoad: churn: " + why);
            }
            errors.increment();
            s.notBefore = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1); // no hot loop on, say, a refused connect
            backingOff.addLast(s);
        }
    }
}
