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
 * The echo latency at a fixed offered rate: {@code EchoLoad rate host port connections
 * messageBytes messagesPerSecond warmupSeconds seconds}.
 *
 * <p>A ping-pong client is a closed loop: each connection waits for its echo before it sends
 * again, so with N connections a message queues behind the N - 1 others and its round trip is
 * about N / throughput, whatever the server's own delay; and a server that stalls holds the
 * senders back, so the stall is measured once instead of once per message it delayed
 * (coordinated omission). This mode is an open loop instead: messages go out on a schedule of
 * {@code messagesPerSecond}, spread round robin over the connections (a connection may then have
 * several in flight: the echo is a byte stream), whether or not the earlier ones came back, and
 * each message's latency runs from the time the schedule meant it to be sent to the time its
 * last echoed byte arrived. A message the client itself sent late therefore counts its lateness
 * too; a message still unanswered when the measured period ends counts with its age so far.
 * Every echoed byte is checked, as in ping-pong.
 *
 * <p>Prints {@code rate=… achieved=… p50us=… p99us=… p999us=… maxus=… errors=… connections=…
 * size=… total=… seconds=… serverTicks=…}: the offered and the achieved rate of echoes in the
 * measured period, the latency percentiles (HdrHistogram, 2 significant digits), and
 * {@code serverTicks} as in ping-pong. Below the server's peak the achieved rate equals the
 * offered one; above it the latency grows with the queue, as it would for real clients.
 * Exit status 0 only without errors (an early close, a mismatch, or an echo not back within
 * 10 s).
 */
final class FixedRateLoad {

    private FixedRateLoad() {
    }

    /**
     * Runs the mode.
     *
     * @param args host, port, connections, messageBytes, messagesPerSecond, warmupSeconds, seconds
     * @return the exit status: 0 without errors, 1 otherwise
     * @throws InterruptedException if interrupted while waiting for the run
     */
    static int run(String[] args) throws InterruptedException {
        EchoLoad.expectArgs(args, 7, 7);
        InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int connections = EchoLoad.positive(args[2], "connections");
        int size = EchoLoad.positive(args[3], "messageBytes");
        int rate = EchoLoad.positive(args[4], "messagesPerSecond");
        long warmupNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[5]));
        long runNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[6]));

        LongAdder echoes = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        byte[] pattern = EchoLoad.pattern(EchoLoad.PERIOD + Math.max(EchoLoad.CHUNK, size));
        SocketChannel[] channels = EchoLoad.connectAll(target, connections, errors);
        if (channels == null) {
            return 1;
        }
        SelectorRun.Measured m = SelectorRun.run(channels,
                threads -> new Sender(size, pattern, (double) rate / threads, echoes, errors, stop), "echoload-rate-",
                echoes, stop, warmupNanos, runNanos, true);
        if (m == null) {
            return 1;
        }
        Histogram all = m.latencies();
        System.out.printf("rate=%d achieved=%.0f p50us=%.1f p99us=%.1f p999us=%.1f maxus=%.1f errors=%d"
                        + " connections=%d size=%d total=%d seconds=%.3f serverTicks=%d%n",
                rate, m.echoes() / m.seconds(), all.getValueAtPercentile(50) / 1e3,
                all.getValueAtPercentile(99) / 1e3, all.getValueAtPercentile(99.9) / 1e3, all.getMaxValue() / 1e3,
                errors.sum(), connections, size, m.echoes(), m.seconds(), m.serverTicks());
        return errors.sum() == 0 ? 0 : 1;
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

    /** One connection: the messages it owes the server and those whose echo it waits for. */
    private static final class Conn extends SelectorRun.Conn {
        /** When each message not yet fully echoed was meant to be sent, oldest first. */
        final Times intended = new Times();
        long sendSeq;
        long receiveSeq;
        /** Scheduled messages not yet begun: the one in {@link #out} is still being written. */
        int backlog;

        Conn(int id, SocketChannel ch, ByteBuffer pattern, int size) {
            super(id, ch, pattern, size);
            out.limit(0);
        }

        /** The pattern offset of message {@code seq}, as ping-pong uses it. */
        int offset(long seq) {
            return EchoLoad.patternOffset(seq * 7 + id, 0);
        }
    }

    /** A selector thread that sends its share of the rate on schedule and checks the echoes. */
    private static final class Sender extends SelectorRun.Loop<Conn> {
        private final double intervalNanos;
        private int next;

        Sender(int size, byte[] pattern, double rate, LongAdder echoes, LongAdder errors, AtomicBoolean stop)
                throws IOException {
            super(size, pattern, echoes, errors, stop);
            this.intervalNanos = 1e9 / rate;
        }

        @Override
        Conn connection(int id, SocketChannel ch) {
            return new Conn(id, ch, pattern, size);
        }

        @Override
        void loop() throws IOException {
            long start = System.nanoTime();
            long sent = 0;
            long nextScan = start + TimeUnit.SECONDS.toNanos(1);
            while (!stop.get() && !conns.isEmpty()) {
                long now = System.nanoTime();
                // Every message whose time has come goes now, even if the loop fell behind: the
                // schedule, not the echoes, sets when a message is due.
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
            for (Conn c : conns) {
                for (int i = 0; i < c.intended.size(); i++) {
                    record(end - c.intended.get(i));
                }
            }
        }

        /** Puts one message due at {@code due} on the next connection still open. */
        private void schedule(long due) {
            Conn c = conns.get(next);
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

        private void begin(Conn c) {
            int offset = c.offset(c.sendSeq++);
            c.out.limit(offset + size).position(offset);
        }

        /** Writes what the connection owes, message after message, until the socket is full. */
        @Override
        void flush(Conn c) throws IOException {
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

        /** Reads whole echoes (the buffer holds one message), each checked and timed. */
        @Override
        void receive(Conn c) throws IOException {
            while (true) {
                if (c.ch.read(c.in) < 0) {
                    throw new IOException("server closed the connection");
                }
                if (c.in.hasRemaining()) {
                    return;
                }
                long now = System.nanoTime();
                if (c.intended.isEmpty()) {
                    throw new IOException("an echo of a message never sent on connection " + c.id);
                }
                if (!matches(c, c.offset(c.receiveSeq++))) {
                    throw new IOException("echo mismatch on connection " + c.id);
                }
                c.in.clear();
                record(now - c.intended.poll());
                echoes.increment();
            }
        }

        /** A message whose echo has not come within the timeout is an error on its connection. */
        private void timeOut(long now) {
            long limit = TimeUnit.MILLISECONDS.toNanos(EchoLoad.IO_TIMEOUT_MS);
            for (Conn c : List.copyOf(conns)) {
                if (!c.intended.isEmpty() && now - c.intended.peek() > limit) {
                    fail(c, "no echo within " + EchoLoad.IO_TIMEOUT_MS / 1000 + " s");
                }
            }
        }

        /** Counts the error and drops the connection; the others carry its share of the rate. */
        @Override
        void fail(Conn c, String why) {
            if (!conns.remove(c)) {
                return;
            }
            next = conns.isEmpty() ? 0 : next % conns.size();
            error(c, why);
        }
    }
}
