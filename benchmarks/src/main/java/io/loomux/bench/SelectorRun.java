package io.loomux.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * What the ping-pong and fixed-rate modes of {@link EchoLoad} share: the connections spread over
 * one selector thread per available processor, a warm-up whose latencies are dropped, and a
 * measured period over which the echoes, the latencies and the server's CPU time are taken.
 */
final class SelectorRun {

    /** One connection of a loop: its channel and key, and the bytes it sends, expects and reads. */
    static class Conn {
        final int id;
        final SocketChannel ch;
        /** What is being sent: a window on the pattern. */
        final ByteBuffer out;
        /** What the echo must be: a window on the pattern. */
        final ByteBuffer expected;
        /** The echo of one message, as it comes. */
        final ByteBuffer in;
        SelectionKey key;

        Conn(int id, SocketChannel ch, ByteBuffer pattern, int size) {
            this(id, ch, pattern.duplicate(), pattern.duplicate(), ByteBuffer.allocateDirect(size));
        }

        /** A connection whose bytes to send are not a window on the pattern (a framed protocol's). */
        Conn(int id, SocketChannel ch, ByteBuffer out, ByteBuffer expected, ByteBuffer in) {
            this.id = id;
            this.ch = ch;
            this.out = out;
            this.expected = expected;
            this.in = in;
        }
    }

    /**
     * A selector thread over its share of the connections, recording each echo's latency; the
     * modes differ in when they send ({@link #loop}) and what an echo completes ({@link #receive}).
     *
     * @param <C> its connections' type
     */
    abstract static class Loop<C extends Conn> implements Runnable {
        final SingleWriterRecorder recorder = new SingleWriterRecorder(EchoLoad.HIGHEST_NANOS, 2);
        final Selector selector;
        final List<C> conns = new ArrayList<>();
        final int size;
        final ByteBuffer pattern;
        final LongAdder echoes;
        final LongAdder errors;
        final AtomicBoolean stop;

        Loop(int size, byte[] pattern, LongAdder echoes, LongAdder errors, AtomicBoolean stop) throws IOException {
            this.selector = Selector.open();
            this.size = size;
            this.pattern = EchoLoad.directCopy(pattern);
            this.echoes = echoes;
            this.errors = errors;
            this.stop = stop;
        }

        /** A new connection of this mode's type. */
        abstract C connection(int id, SocketChannel ch);

        /** Sends and receives until {@link #stop} is set. */
        abstract void loop() throws IOException;

        /** Writes what the connection has to send, as far as the socket takes it. */
        abstract void flush(C c) throws IOException;

        /** Reads what has come back on the connection and checks it. */
        abstract void receive(C c) throws IOException;

        /** Counts an error on the connection and closes it. */
        abstract void fail(C c, String why);

        /** Adds a connected channel; only before the loop runs. */
        final void add(int id, SocketChannel ch) throws IOException {
            C c = connection(id, ch);
            ch.configureBlocking(false);
            c.key = ch.register(selector, SelectionKey.OP_READ, c);
            conns.add(c);
        }

        @Override
        public final void run() {
            try {
                loop();
            } catch (IOException e) {
                errors.increment();
                System.err.println("EchoLoad: selector failed: " + e);
            } finally {
                for (C c : conns) {
                    EchoLoad.closeQuietly(c.ch);
                }
                EchoLoad.closeQuietly(selector);
            }
        }

        /**
         * Handles what is ready: polls without sleeping when {@link EchoLoad#SPIN}, else waits
         * up to {@code millis} in the selector.
         */
        final void select(long millis) throws IOException {
            if (EchoLoad.SPIN) {
                if (selector.selectNow(this::ready) == 0) {
                    Thread.onSpinWait();
                }
            } else {
                selector.select(this::ready, Math.max(1, millis));
            }
        }

        @SuppressWarnings("unchecked") // every key's attachment is one of this loop's connections
        private void ready(SelectionKey key) {
            C c = (C) key.attachment();
            try {
                if (key.isValid() && key.isWritable()) {
                    flush(c);
                }
                if (key.isValid() && key.isReadable()) {
                    receive(c);
                }
            } catch (IOException | RuntimeException e) {
                fail(c, e.toString());
            }
        }

        /**
         * Handles what is ready until {@link #stop} is set; once a second, fails each connection
         * whose echo is overdue: one that {@code waiting} says has a message out, sent (by
         * {@code sentAt}) more than {@link EchoLoad#IO_TIMEOUT_MS} ago.
         */
        final void selectUntilStopped(Predicate<C> waiting, ToLongFunction<C> sentAt) throws IOException {
            long timeout = TimeUnit.MILLISECONDS.toNanos(EchoLoad.IO_TIMEOUT_MS);
            long nextScan = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (!stop.get()) {
                select(100);
                long now = System.nanoTime();
                if (now - nextScan >= 0) {
                    nextScan = now + TimeUnit.SECONDS.toNanos(1);
                    for (C c : conns) {
                        if (waiting.test(c) && now - sentAt.applyAsLong(c) > timeout) {
                            fail(c, "no echo within " + EchoLoad.IO_TIMEOUT_MS / 1000 + " s");
                        }
                    }
                }
            }
        }

        /** Asks for writability only while the connection has bytes left to send. */
        static void interest(Conn c) {
            int ops = c.out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            if (c.key.interestOps() != ops) {
                c.key.interestOps(ops);
            }
        }

        /** Whether the echo just read into {@code c.in} is the pattern from {@code offset}. */
        final boolean matches(Conn c, int offset) {
            c.in.flip();
            c.expected.clear().position(offset).limit(offset + size);
            return c.in.equals(c.expected);
        }

        /** Records one latency, clamped to the histogram's range. */
        final void record(long nanos) {
            recorder.recordValue(Math.min(Math.max(nanos, 0), EchoLoad.HIGHEST_NANOS));
        }

        /** Counts an error (saying the first few) unless the run is stopping, and closes the connection. */
        final void error(C c, String why) {
            if (!stop.get()) {
                if (errors.sum() < 5) {
                    System.err.println("EchoLoad: connection " + c.id + ": " + why);
                }
                errors.increment();
            }
            c.key.cancel();
            EchoLoad.closeQuietly(c.ch);
        }
    }

    /** Opens one loop. */
    @FunctionalInterface
    interface LoopFactory {
        /**
         * @param threads how many loops share the connections
         * @return a new loop
         * @throws IOException if its selector cannot be opened
         */
        Loop<?> open(int threads) throws IOException;
    }

    /**
     * The measured period's figures.
     *
     * @param latencies every latency recorded in it, in nanoseconds
     * @param echoes the echoes counted in it
     * @param seconds its length
     * @param serverTicks the server's CPU time over it, in clock ticks, -1 if not known
     */
    record Measured(Histogram latencies, long echoes, double seconds, long serverTicks) {
    }

    private SelectorRun() {
    }

    /**
     * Runs the loops over the channels for the warm-up and the measured period, then stops them.
     *
     * @param channels the connections (a null one failed to open and is left out)
     * @param factory opens the loops
     * @param name the threads' name prefix
     * @param echoes counted by the loops, one per checked echo
     * @param stop set when the measured period is over
     * @param warmupNanos the warm-up
     * @param runNanos the measured period
     * @param latenciesAfterStop whether to take the latencies once the loops have ended (so that
     *        what they record on stopping counts) rather than at the end of the period
     * @return the figures, or null if the loops could not be set up
     * @throws InterruptedException if interrupted while waiting
     */
    static Measured run(SocketChannel[] channels, LoopFactory factory, String name, LongAdder echoes,
                        AtomicBoolean stop, long warmupNanos, long runNanos, boolean latenciesAfterStop)
            throws InterruptedException {
        int threads = Math.min(Runtime.getRuntime().availableProcessors(), channels.length);
        List<Loop<?>> loops = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                loops.add(factory.open(threads));
            }
            for (int i = 0; i < channels.length; i++) {
                if (channels[i] != null) {
                    loops.get(i % threads).add(i, channels[i]);
                }
            }
        } catch (IOException e) {
            System.err.println("EchoLoad: cannot set up the selectors: " + e);
            return null;
        }
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            running.add(Thread.ofPlatform().name(name + t).start(loops.get(t)));
        }
        TimeUnit.NANOSECONDS.sleep(warmupNanos);
        for (Loop<?> loop : loops) {
            loop.recorder.getIntervalHistogram(); // discards the warm-up's latencies
        }
        long before = echoes.sum();
        long ticksBefore = EchoLoad.serverTicks();
        long start = System.nanoTime();
        TimeUnit.NANOSECONDS.sleep(runNanos);
        long count = echoes.sum() - before;
        double seconds = (System.nanoTime() - start) / 1e9;
        long ticks = EchoLoad.serverTicks() - ticksBefore;
        Histogram all = new Histogram(EchoLoad.HIGHEST_NANOS, 2);
        if (!latenciesAfterStop) {
            addAll(all, loops);
        }
        stop.set(true);
        long joinDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Thread t : running) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinDeadline - System.nanoTime())));
        }
        if (latenciesAfterStop) {
            addAll(all, loops);
        }
        return new Measured(all, count, seconds, ticksBefore < 0 ? -1 : ticks);
    }

    private static void addAll(Histogram all, List<Loop<?>> loops) {
        for (Loop<?> loop : loops) {
            all.add(loop.recorder.getIntervalHistogram());
        }
    }
}
