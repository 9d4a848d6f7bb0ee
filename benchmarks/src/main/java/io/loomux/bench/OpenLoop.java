package io.loomux.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The open loop that the fixed-rate loads share ({@link FixedRateLoad} for echo,
 * {@link HttpRateLoad} for HTTP): messages go out on a schedule, round robin over the
 * connections, whether or not the earlier ones were answered, and each answer's latency runs
 * from the time the schedule meant its message to be sent. A message the client itself sent late
 * counts its lateness too; one still unanswered when the measured period ends counts with its
 * age so far; one not answered within {@link EchoLoad#IO_TIMEOUT_MS} is an error on its
 * connection. So a server that stalls cannot hide its queue (no coordinated omission).
 *
 * <p>A mode says what a message is ({@link #begin}) and what completes one ({@link #receive},
 * calling {@link #answered} per answer); this class does the rest.
 *
 * @param <C> the mode's connections
 */
abstract class OpenLoop<C extends OpenLoop.Conn> extends SelectorRun.Loop<C> {

    /**
     * Runs a fixed-rate mode and prints its line: {@code rate=… achieved=… p50us=… p99us=…
     * p999us=… maxus=… errors=… connections=… total=… seconds=… serverTicks=…} and then
     * {@code extra}: the offered and the achieved rate of answers in the measured period, the
     * latency percentiles (HdrHistogram, 2 significant digits) and the server's CPU time
     * ({@link EchoLoad#serverTicks}).
     *
     * @param target      the server
     * @param connections how many connections carry the rate
     * @param rate        messages per second, over all connections
     * @param warmupNanos the warm-up, whose latencies are dropped
     * @param runNanos    the measured period
     * @param factory     opens one loop, given its share of the rate
     * @param name        the loops' thread name prefix
     * @param extra       appended to the line, e.g. {@code " size=64"}
     * @return the exit status: 0 without errors, 1 otherwise
     * @throws InterruptedException if interrupted while waiting for the run
     */
    static int run(InetSocketAddress target, int connections, int rate, long warmupNanos, long runNanos,
                   Factory factory, String name, String extra) throws InterruptedException {
        LongAdder answers = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        SocketChannel[] channels = EchoLoad.connectAll(target, connections, errors);
        if (channels == null) {
            return 1;
        }
        SelectorRun.Measured m = SelectorRun.run(channels,
                threads -> factory.open((double) rate / threads, answers, errors, stop), name, answers, stop,
                warmupNanos, runNanos, true);
        if (m == null) {
            return 1;
        }
        Histogram all = m.latencies();
        System.out.printf("rate=%d achieved=%.0f p50us=%.1f p99us=%.1f p999us=%.1f maxus=%.1f errors=%d"
                        + " connections=%d total=%d seconds=%.3f serverTicks=%d%s%n",
                rate, m.echoes() / m.seconds(), all.getValueAtPercentile(50) / 1e3,
                all.getValueAtPercentile(99) / 1e3, all.getValueAtPercentile(99.9) / 1e3, all.getMaxValue() / 1e3,
                errors.sum(), connections, m.echoes(), m.seconds(), m.serverTicks(), extra);
        return errors.sum() == 0 ? 0 : 1;
    }

    /** Opens one loop of a mode. */
    @FunctionalInterface
    interface Factory {
        /**
         * @param rate    this loop's share of the rate, messages per second
         * @param answers counted once per checked answer
         * @param errors  counted once per failed connection
         * @param stop    set when the measured period is over
         * @return a new loop
         * @throws IOException if its selector cannot be opened
         */
        OpenLoop<?> open(double rate, LongAdder answers, LongAdder errors, AtomicBoolean stop) throws IOException;
    }

    /** A first-in, first-out queue of nanosecond times that grows as needed, without boxing. */
    static final class Times {
        private long[] ring = new long[4];
        private int head;
        private int size;

        void add(long t) {
            if (size == ring.length) {
                long[] bigger = new long[ring.length * 2];
                for (int i = 0; i < size; i++) {
                    bigger[i] = ring[(head + i) % ring.length];
                }
                ring = bigger;
                head = 0;
            }
            ring[(head + size) % ring.length] = t;
            size++;
        }

        boolean isEmpty() {
            return size == 0;
        }

        int size() {
            return size;
        }

        /** The oldest time; only when not empty. */
        long peek() {
            return ring[head];
        }

        /** Takes the oldest time; only when not empty. */
        long poll() {
            long t = ring[head];
            head = (head + 1) % ring.length;
            size--;
            return t;
        }

        /** The time at {@code i} from the oldest. */
        long get(int i) {
            return ring[(head + i) % ring.length];
        }
    }

    /** One connection: the messages it owes the server and those whose answer it waits for. */
    static class Conn extends SelectorRun.Conn {
        /** When each message not yet fully answered was meant to be sent, oldest first. */
        final Times intended = new Times();
        /** Scheduled messages not yet begun: the one in {@link #out} is still being written. */
        int backlog;

        Conn(int id, SocketChannel ch, ByteBuffer pattern, int size) {
            super(id, ch, pattern, size);
            out.limit(0);
        }
    }

    private final double intervalNanos;
    private int next;

    /**
     * @param size    the mode's message size (the read buffer's size for {@link SelectorRun.Conn})
     * @param pattern what {@link SelectorRun.Conn#out} windows on
     * @param rate    this loop's messages per second
     */
    OpenLoop(int size, byte[] pattern, double rate, LongAdder answers, LongAdder errors, AtomicBoolean stop)
            throws IOException {
        super(size, pattern, answers, errors, stop);
        this.intervalNanos = 1e9 / rate;
    }

    /** Sets {@code c.out} to the connection's next message. */
    abstract void begin(C c);

    @Override
    final void loop() throws IOException {
        long start = System.nanoTime();
        long sent = 0;
        long nextScan = start + TimeUnit.SECONDS.toNanos(1);
        while (!stop.get() && !conns.isEmpty()) {
            long now = System.nanoTime();
            // Every message whose time has come goes now, even if the loop fell behind: the
            // schedule, not the answers, sets when a message is due.
            long due = start + (long) (sent * intervalNanos);
            while (due - now <= 0 && !conns.isEmpty()) {
                schedule(due);
                sent++;
                due = start + (long) (sent * intervalNanos);
            }
            select(TimeUnit.NANOSECONDS.toMillis(due - System.nanoTime()));
            if (now - nextScan >= 0) {
                nextScan = now + TimeUnit.SECONDS.toNanos(1);
                timeOut(now);
            }
        }
        long end = System.nanoTime();
        for (C c : conns) {
            for (int i = 0; i < c.intended.size(); i++) {
                record(end - c.intended.get(i));
            }
        }
    }

    /** Puts one message due at {@code due} on the next connection still open. */
    private void schedule(long due) {
        C c = conns.get(next);
        next = (next + 1) % conns.size();
        c.intended.add(due);
        if (c.out.hasRemaining()) {
            c.backlog++;
            return;
        }
        begin(c);
        try {
            flush(c);
        } catch (IOException e) {
            fail(c, e.toString());
        }
    }

    /** Writes what the connection owes, message after message, until the socket is full. */
    @Override
    final void flush(C c) throws IOException {
        while (true) {
            c.ch.write(c.out);
            if (c.out.hasRemaining() || c.backlog == 0) {
                break;
            }
            c.backlog--;
            begin(c);
        }
        interest(c);
    }

    /**
     * Counts the oldest message of the connection as answered at {@code now}.
     *
     * @throws IOException if no message was waiting for an answer
     */
    final void answered(C c, long now) throws IOException {
        if (c.intended.isEmpty()) {
            throw new IOException("an answer to a message never sent on connection " + c.id);
        }
        record(now - c.intended.poll());
        echoes.increment();
    }

    /** A message whose answer has not come within the timeout is an error on its connection. */
    private void timeOut(long now) {
        long limit = TimeUnit.MILLISECONDS.toNanos(EchoLoad.IO_TIMEOUT_MS);
        for (C c : List.copyOf(conns)) {
            if (!c.intended.isEmpty() && now - c.intended.peek() > limit) {
                fail(c, "no answer within " + EchoLoad.IO_TIMEOUT_MS / 1000 + " s");
            }
        }
    }

    /** Counts the error and drops the connection; the others carry its share of the rate. */
    @Override
    final void fail(C c, String why) {
        if (!conns.remove(c)) {
            return;
        }
        next = conns.isEmpty() ? 0 : next % conns.size();
        error(c, why);
    }
}
