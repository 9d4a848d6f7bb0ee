package io.loomux.bench;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * An echo load generator, in four modes. Every byte that comes back is checked against what was
 * sent (a repeating pattern, shifted per connection and per message); a mismatch, an early close
 * or a timeout counts as an error, and the exit status is 0 only if there was none (1 otherwise,
 * 2 for bad arguments).
 *
 * <pre>
 * EchoLoad host port connections messageBytes warmupSeconds seconds            ping-pong (as before)
 * EchoLoad pingpong host port connections messageBytes warmupSeconds seconds   the same, named
 * EchoLoad bulk host port connections totalBytes [timeoutSeconds]
 * EchoLoad churn host port concurrency warmupSeconds seconds [messageBytes]
 * EchoLoad rate host port connections messageBytes messagesPerSecond warmupSeconds seconds
 * </pre>
 *
 * <ul>
 * <li><b>ping-pong</b>: {@code connections} connections (10,000 is fine with 20,000 open files),
 * each sends a {@code messageBytes} message, reads the whole echo back, checks it and repeats,
 * for a warm-up and then a measured period. Prints
 * {@code msgs/s=… p50us=… p99us=… errors=… connections=… size=… total=… seconds=… serverTicks=…}
 * (the round trip of a closed loop, about connections / throughput: the wait in the loop's own
 * queue, not the server's latency, which {@code rate} measures; {@code serverTicks} is the CPU
 * time of the process named by {@code -Dechoload.cpuOf=PID} over the measured period, in clock
 * ticks, -1 if none).
 * The connections are driven by one selector thread per available processor (so one under
 * {@code taskset -c 1}) that polls without sleeping ({@code -Dechoload.spin=false} makes it
 * block in the selector instead), so the client costs little more than one write and one read a
 * message, and drives the C epoll server ({@code bench/c/echo.c}) faster than the Java servers.
 * <li><b>bulk</b> (virtual threads): {@code connections} connections each stream their share of
 * {@code totalBytes} (suffixes K, M, G are powers of 1024: {@code 1G} is 1 GiB) in 64 KiB writes
 * while another thread reads the echo concurrently and checks it. Timed from the first write
 * until the last byte has come back. Prints {@code GB/s=… seconds=… errors=… connections=…
 * bytes=…}, where GB/s is echoed bytes (one direction) per second, in 10^9 bytes.
 * <li><b>churn</b>: for a warm-up and then {@code seconds}, {@code concurrency} loops of
 * connect, one echo of {@code messageBytes} (64), close, on selector threads as in ping-pong
 * (these block in the selector). Prints {@code conns/s=… p50us=… p99us=… errors=… concurrency=…
 * total=…}: the rate and the latency of whole cycles (connect to close) in the measured period.
 * <li><b>rate</b>: an open loop at a fixed rate, for latency ({@link FixedRateLoad}): messages
 * are sent on a schedule whatever the echoes do, and each one's latency counts from when the
 * schedule meant it to go, so a server that stalls cannot hide its queue.
 * </ul>
 *
 * <p>Bounded in time: opening the connections gives up after 60 s; in ping-pong an echo that does
 * not come within 10 s, in churn a cycle not done within 5 s, is an error; a run ends within its
 * warm-up and duration plus about 30 s, and bulk within {@code timeoutSeconds} (120) plus 10 s,
 * whatever the server does.
 */
public final class EchoLoad {

    private static final String USAGE = String.join("\n",
            "usage: EchoLoad host port connections messageBytes warmupSeconds seconds            (ping-pong)",
            "       EchoLoad pingpong host port connections messageBytes warmupSeconds seconds",
            "       EchoLoad bulk host port connections totalBytes[K|M|G] [timeoutSeconds=120]",
            "       EchoLoad churn host port concurrency warmupSeconds seconds [messageBytes=64]",
            "       EchoLoad rate host port connections messageBytes messagesPerSecond warmupSeconds seconds");

    /** Socket read timeout and connect timeout, in ms, for ping-pong and bulk. */
    static final int IO_TIMEOUT_MS = 10_000;
    /**
     * Whether the ping-pong threads poll without sleeping ({@code -Dechoload.spin=false} to make
     * them block in the selector). Spinning costs nothing that is measured (the load has a CPU of
     * its own) and spares the client the wake-ups, which are dear in a virtual machine.
     */
    static final boolean SPIN = Boolean.parseBoolean(System.getProperty("echoload.spin", "true"));
    /** At most this many connects in flight at once, so that thousands do not overflow the backlog. */
    static final int CONNECTS_IN_FLIGHT = 256;
    static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** The repeating pattern: a prime period, so that it never lines up with buffer sizes. */
    static final int PERIOD = 251;
    static final int CHUNK = 64 * 1024;
    static final byte[] PATTERN = pattern(PERIOD + CHUNK);

    private EchoLoad() {
    }

    /**
     * @param args see the class comment
     * @throws Exception if the run cannot start
     */
    public static void main(String[] args) throws Exception {
        try {
            String mode = args.length > 0 ? args[0] : "";
            int code = switch (mode) {
                case "pingpong" -> pingPong(Arrays.copyOfRange(args, 1, args.length));
                case "bulk" -> BulkLoad.run(Arrays.copyOfRange(args, 1, args.length));
                case "churn" -> ChurnLoad.run(Arrays.copyOfRange(args, 1, args.length));
                case "rate" -> FixedRateLoad.run(Arrays.copyOfRange(args, 1, args.length));
                default -> pingPong(args);
            };
            System.exit(code);
        } catch (IllegalArgumentException e) { // also NumberFormatException
            System.err.println("EchoLoad: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        }
    }

    static void expectArgs(String[] args, int min, int max) {
        if (args.length < min || args.length > max) {
            throw new IllegalArgumentException("expected " + (min == max ? min : min + " to " + max)
                    + " arguments, got " + args.length);
        }
    }

    static int positive(String s, String what) {
        int v = Integer.parseInt(s);
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be positive: " + s);
        }
        return v;
    }

    /** Parses a byte count: digits with an optional K, M or G (powers of 1024). */
    static long parseBytes(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (t.endsWith("K")) {
            unit = 1L << 10;
        } else if (t.endsWith("M")) {
            unit = 1L << 20;
        } else if (t.endsWith("G")) {
            unit = 1L << 30;
        }
        if (unit != 1) {
            t = t.substring(0, t.length() - 1);
        }
        long v = Long.parseLong(t) * unit;
        if (v <= 0) {
            throw new IllegalArgumentException("byte count must be positive: " + s);
        }
        return v;
    }

    /** The byte a stream that starts at pattern offset {@code start} carries at position {@code pos}. */
    static int patternOffset(long pos, int start) {
        return (int) ((pos + start) % PERIOD);
    }

    // ---------------------------------------------------------------------------------------------
    // ping-pong: a few platform threads, each a selector over its share of the connections, so that
    // the load generator costs little more than the system calls of one write and one read a message.

    private static int pingPong(String[] args) throws InterruptedException {
        expectArgs(args, 6, 6);
        InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int connections = positive(args[2], "connections");
        int size = positive(args[3], "messageBytes");
        long warmupNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[4]));
        long runNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[5]));

        LongAdder messages = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        byte[] pattern = pattern(PERIOD + Math.max(CHUNK, size));
        SocketChannel[] channels = connectAll(target, connections, errors);
        if (channels == null) {
            return 1;
        }
        SelectorRun.Measured m = SelectorRun.run(channels,
                threads -> new PingPongLoop(size, pattern, messages, errors, stop), "echoload-", messages, stop,
                warmupNanos, runNanos, false);
        if (m == null) {
            return 1;
        }
        System.out.printf("msgs/s=%.0f p50us=%.1f p99us=%.1f errors=%d connections=%d size=%d total=%d"
                        + " seconds=%.3f serverTicks=%d%n",
                m.echoes() / m.seconds(), m.latencies().getValueAtPercentile(50) / 1e3,
                m.latencies().getValueAtPercentile(99) / 1e3, errors.sum(), connections, size, messages.sum(),
                m.seconds(), m.serverTicks());
        return errors.sum() == 0 ? 0 : 1;
    }

    /**
     * The server's CPU time so far, user plus system, in clock ticks, from
     * {@code /proc/PID/stat} of the process {@code -Dechoload.cpuOf=PID} names; read at the start
     * and end of the measured period, so that CPU per message covers exactly that period.
     *
     * @return the ticks, or -1 when no server is named or it cannot be read
     */
    static long serverTicks() {
        String pid = System.getProperty("echoload.cpuOf");
        if (pid == null || pid.isBlank()) {
            return -1;
        }
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", pid.strip(), "stat"));
            // The command name (field 2) may hold spaces; fields 14 and 15 count from after it.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("EchoLoad: cannot read the CPU time of process " + pid + ": " + e);
            return -1;
        }
    }

    /**
     * Opens the connections, blocking, on virtual threads with at most {@link #CONNECTS_IN_FLIGHT}
     * in flight. A connection that fails is null in the result and counts as an error; null if
     * they did not all settle within 60 s.
     */
    static SocketChannel[] connectAll(InetSocketAddress target, int connections, LongAdder errors)
            throws InterruptedException {
        SocketChannel[] channels = new SocketChannel[connections];
        Semaphore connecting = new Semaphore(CONNECTS_IN_FLIGHT);
        CountDownLatch settled = new CountDownLatch(connections);
        AtomicLong failures = new AtomicLong();
        for (int i = 0; i < connections; i++) {
            int id = i;
            Thread.ofVirtual().start(() -> {
                SocketChannel ch = null;
                try {
                    connecting.acquire();
                    try {
                        ch = SocketChannel.open();
                        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        ch.socket().connect(target, IO_TIMEOUT_MS);
                        channels[id] = ch;
                    } finally {
                        connecting.release();
                    }
                } catch (IOException | InterruptedException e) {
                    if (failures.incrementAndGet() == 1) {
                        System.err.println("EchoLoad: connect failed: " + e);
                    }
                    errors.increment();
                    closeQuietly(ch);
                } finally {
                    settled.countDown();
                }
            });
        }
        if (!settled.await(60, TimeUnit.SECONDS)) {
            System.err.println("connections did not open in 60 s");
            return null;
        }
        if (failures.get() > 0) {
            System.err.println(failures.get() + " of " + connections + " connections failed to open");
        }
        return channels;
    }

    static void closeQuietly(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** One connection of a ping-pong loop: the message in flight and the echo read so far. */
    private static final class PingPongConn extends SelectorRun.Conn {
        int offset;
        long seq;
        long sentAt;
        boolean waiting;

        PingPongConn(int id, SocketChannel ch, ByteBuffer pattern, int size) {
            super(id, ch, pattern, size);
        }
    }

    /** A selector thread driving its connections in ping-pong until told to stop. */
    private static final class PingPongLoop extends SelectorRun.Loop<PingPongConn> {

        PingPongLoop(int size, byte[] pattern, LongAdder messages, LongAdder errors, AtomicBoolean stop)
                throws IOException {
            super(size, pattern, messages, errors, stop);
        }

        @Override
        PingPongConn connection(int id, SocketChannel ch) {
            return new PingPongConn(id, ch, pattern, size);
        }

        @Override
        void loop() throws IOException {
            for (PingPongConn c : conns) {
                send(c);
            }
            selectUntilStopped(c -> c.waiting, c -> c.sentAt);
        }

        private void send(PingPongConn c) throws IOException {
            // Each message starts elsewhere in the pattern (per connection and per message), so a
            // stale, reordered or crossed-over byte does not compare equal.
            c.offset = patternOffset(c.seq * 7 + c.id, 0);
            c.out.clear().position(c.offset).limit(c.offset + size);
            c.in.clear();
            c.sentAt = System.nanoTime();
            c.waiting = true;
            flush(c);
        }

        @Override
        void flush(PingPongConn c) throws IOException {
            c.ch.write(c.out);
            interest(c);
        }

        @Override
        void receive(PingPongConn c) throws IOException {
            if (c.ch.read(c.in) < 0) {
                throw new IOException("server closed the connection");
            }
            if (c.in.hasRemaining()) {
                return;
            }
            long now = System.nanoTime();
            if (!matches(c, c.offset)) {
                throw new IOException("echo mismatch on connection " + c.id);
            }
            c.waiting = false;
            record(now - c.sentAt);
            echoes.increment();
            c.seq++;
            if (!stop.get()) {
                send(c);
            }
        }

        @Override
        void fail(PingPongConn c, String why) {
            if (!c.ch.isOpen()) {
                return;
            }
            c.waiting = false;
            error(c, why);
        }
    }

    /** A direct buffer holding a copy of {@code bytes}, so that channel I/O need not copy. */
    static ByteBuffer directCopy(byte[] bytes) {
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    /** The repeating pattern, {@code length} bytes of it. */
    static byte[] pattern(int length) {
        byte[] p = new byte[length];
        for (int i = 0; i < length; i++) {
            p[i] = (byte) (i % PERIOD);
        }
        return p;
    }
}
