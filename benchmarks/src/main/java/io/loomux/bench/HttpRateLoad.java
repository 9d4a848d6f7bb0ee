package io.loomux.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The HTTP hello latency at a fixed offered rate, without coordinated omission:
 * {@code HttpRateLoad host port connections requestsPerSecond warmupSeconds seconds}.
 *
 * <p>wrk is a closed loop: each connection sends its next request only once the last answer is
 * in, so its latencies are the wait in its own queue and a stall is counted once. This is the
 * open loop of {@link OpenLoop} over keep-alive connections: {@code GET /} requests go out on a
 * schedule of {@code requestsPerSecond}, round robin over the connections (a connection may have
 * several in flight, pipelined, when the server is slow), and each request's latency runs from
 * when it was due to when its whole response was in. Every response is checked
 * ({@link HelloResponse}): a wrong status, length or body, a close, or an answer not in within
 * 10 s is an error on its connection, which is then dropped.
 *
 * <p>Prints the line of {@link OpenLoop#run}; exits 0 only without errors, 1 otherwise, 2 on bad
 * arguments. {@code -Dechoload.cpuOf=PID} names the server whose CPU time is read.
 */
public final class HttpRateLoad {

    /** Room for several answers at once, should pipelined ones arrive together. */
    private static final int READ_BUFFER = 64 * 1024;

    private HttpRateLoad() {
    }

    /**
     * @param args host port connections requestsPerSecond warmupSeconds seconds
     * @throws InterruptedException if interrupted while waiting for the run
     */
    public static void main(String[] args) throws InterruptedException {
        System.exit(run(args));
    }

    /**
     * Runs the load.
     *
     * @param args host port connections requestsPerSecond warmupSeconds seconds
     * @return the exit status: 0 without errors, 1 otherwise, 2 on bad arguments
     * @throws InterruptedException if interrupted while waiting for the run
     */
    static int run(String[] args) throws InterruptedException {
        try {
            EchoLoad.expectArgs(args, 6, 6);
            InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
            int connections = EchoLoad.positive(args[2], "connections");
            int rate = EchoLoad.positive(args[3], "requestsPerSecond");
            long warmupNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[4]));
            long runNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[5]));
            return OpenLoop.run(target, connections, rate, warmupNanos, runNanos, Sender::new, "httpload-rate-", "");
        } catch (IllegalArgumentException e) { // also NumberFormatException
            System.err.println("HttpRateLoad: " + e.getMessage());
            System.err.println("usage: HttpRateLoad host port connections requestsPerSecond warmupSeconds seconds");
            return 2;
        }
    }

    /** A selector thread that sends its share of the requests on schedule and checks the answers. */
    private static final class Sender extends OpenLoop<OpenLoop.Conn> {

        Sender(double rate, LongAdder answers, LongAdder errors, AtomicBoolean stop) throws IOException {
            super(READ_BUFFER, HelloResponse.REQUEST, rate, answers, errors, stop);
        }

        @Override
        OpenLoop.Conn connection(int id, SocketChannel ch) {
            return new OpenLoop.Conn(id, ch, pattern, size);
        }

        @Override
        void begin(OpenLoop.Conn c) {
            c.out.clear();
        }

        /** Reads what has come and counts every whole answer in it, oldest request first. */
        @Override
        void receive(OpenLoop.Conn c) throws IOException {
            while (true) {
                int n = c.ch.read(c.in);
                if (n < 0) {
                    throw new IOException("server closed the connection");
                }
                if (n == 0) {
                    return;
                }
                long now = System.nanoTime();
                c.in.flip();
                for (int len; (len = HelloResponse.length(c.in)) > 0; ) {
                    c.in.position(c.in.position() + len);
                    answered(c, now);
                }
                c.in.compact();
            }
        }
    }
}
