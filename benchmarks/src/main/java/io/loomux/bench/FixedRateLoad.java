package io.loomux.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
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
 * last echoed byte arrived ({@link OpenLoop}). Every echoed byte is checked, as in ping-pong.
 *
 * <p>Prints {@code rate=… achieved=… p50us=… p99us=… p999us=… maxus=… errors=… connections=…
 * total=… seconds=… serverTicks=… size=…}: the offered and the achieved rate of echoes in the
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
        byte[] pattern = EchoLoad.pattern(EchoLoad.PERIOD + Math.max(EchoLoad.CHUNK, size));
        return OpenLoop.run(target, connections, rate, warmupNanos, runNanos,
                (share, echoes, errors, stop) -> new Sender(size, pattern, share, echoes, errors, stop),
                "echoload-rate-", " size=" + size);
    }

    /** One connection: where its next message and its next echo are in the pattern. */
    private static final class EchoConn extends OpenLoop.Conn {
        long sendSeq;
        long receiveSeq;

        EchoConn(int id, SocketChannel ch, ByteBuffer pattern, int size) {
            super(id, ch, pattern, size);
        }

        /** The pattern offset of message {@code seq}, as ping-pong uses it. */
        int offset(long seq) {
            return EchoLoad.patternOffset(seq * 7 + id, 0);
        }
    }

    /** A selector thread that sends its share of the rate on schedule and checks the echoes. */
    private static final class Sender extends OpenLoop<EchoConn> {

        Sender(int size, byte[] pattern, double rate, LongAdder echoes, LongAdder errors, AtomicBoolean stop)
                throws IOException {
            super(size, pattern, rate, echoes, errors, stop);
        }

        @Override
        EchoConn connection(int id, SocketChannel ch) {
            return new EchoConn(id, ch, pattern, size);
        }

        @Override
        void begin(EchoConn c) {
            int offset = c.offset(c.sendSeq++);
            c.out.limit(offset + size).position(offset);
        }

        /** Reads whole echoes (the buffer holds one message), each checked and timed. */
        @Override
        void receive(EchoConn c) throws IOException {
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
                answered(c, now);
            }
        }
    }
}
