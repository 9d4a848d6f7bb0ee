package io.loomux.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A WebSocket echo load: the WebSocket form of {@link EchoLoad}'s ping-pong.
 *
 * <p>Usage: {@code WsEchoLoad host port connections messageBytes warmupSeconds seconds [path]}.
 * Opens {@code connections} connections (at most 256 connects and handshakes in flight) and does
 * the opening handshake on each, checking the answer and its {@code Sec-WebSocket-Accept}
 * ({@link WsHandshake}). Then each connection, in a closed loop with one message outstanding,
 * sends a binary message of {@code messageBytes} (one frame, masked with a fresh key each time,
 * as RFC 6455 asks of a client) and waits for its echo before it sends the next, for a warm-up
 * and then a measured period. Every echoed byte is checked against what was sent (a window on
 * {@link EchoLoad}'s pattern, starting elsewhere per connection and message). The echo must be
 * one binary message of the same bytes, in one frame or several (continuations, with control
 * frames between them, are taken); server frames must not be masked nor use reserved bits.
 * Pings from the server are answered with pongs; unsolicited pongs are ignored.
 *
 * <p>At the end every connection closes with the close handshake: it sends a close frame (1000)
 * once its last echo is in, waits for the server's close frame (1000, or no code) and then for
 * the server to close the TCP connection, as a client should (RFC 6455 §7.1.1).
 *
 * <p>Prints {@code msgs/s=… p50us=… p99us=… errors=… connections=… size=… total=… seconds=…
 * serverTicks=… closed=…}: echoes per second and their round trips (HdrHistogram) over the
 * measured period, the server's CPU time over it ({@link EchoLoad#serverTicks},
 * {@code -Dechoload.cpuOf=PID}) and how many connections ended with a whole close handshake.
 * As in ping-pong, the round trip of a closed loop is about connections / throughput: the wait
 * in the loop's own queue, not the server's latency alone. Errors are failed connects and
 * handshakes, wrong or missing echoes (none within 10 s), protocol errors and close handshakes
 * not done within 5 s; each counts once per connection, the first few are said on standard
 * error, and the exit status is 0 only without any (1 otherwise, 2 on bad arguments).
 *
 * <p>The connections are driven as in ping-pong: one selector thread per available processor
 * (one under {@code taskset -c 1}), polling without sleeping unless {@code -Dechoload.spin=false}.
 * Bounded in time: opening and handshaking give up after 60 s, and a run ends within its warm-up
 * and duration plus about 35 s whatever the server does.
 */
public final class WsEchoLoad {

    private static final String USAGE =
            "usage: WsEchoLoad host port connections messageBytes warmupSeconds seconds [path=/]";
    /** How long the close handshakes may take, all together, once the measured period is over. */
    private static final long CLOSE_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Room in a connection's output beyond one message: a pong or two and the close frame. */
    private static final int CONTROL_ROOM = 4 * (WsFrames.MAX_CLIENT_HEADER + WsFrames.MAX_CONTROL_PAYLOAD);

    private WsEchoLoad() {
    }

    /**
     * @param args see the class comment
     * @throws InterruptedException if interrupted while waiting for the run
     */
    public static void main(String[] args) throws InterruptedException {
        try {
            System.exit(run(args));
        } catch (IllegalArgumentException e) { // also NumberFormatException
            System.err.println("WsEchoLoad: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        }
    }

    /**
     * Runs the load and prints its line.
     *
     * @param args see the class comment
     * @return the exit status: 0 without errors, 1 otherwise
     * @throws InterruptedException if interrupted while waiting for the run
     */
    static int run(String[] args) throws InterruptedException {
        EchoLoad.expectArgs(args, 6, 7);
        InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int connections = EchoLoad.positive(args[2], "connections");
        int size = EchoLoad.positive(args[3], "messageBytes");
        long warmupNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[4]));
        long runNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[5]));
        String path = args.length > 6 ? args[6] : "/";
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/': " + path);
        }

        LongAdder messages = new LongAdder();
        LongAdder errors = new LongAdder();
        LongAdder closed = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        byte[] pattern = EchoLoad.pattern(EchoLoad.PERIOD + size);
        SocketChannel[] channels = EchoLoad.connectAll(target, connections, errors);
        if (channels == null || !handshakeAll(channels, path, errors)) {
            return 1;
        }
        SelectorRun.Measured m = SelectorRun.run(channels,
                threads -> new WsLoop(size, pattern, messages, errors, closed, stop), "wsload-", messages, stop,
                warmupNanos, runNanos, false);
        if (m == null) {
            return 1;
        }
        System.out.printf("msgs/s=%.0f p50us=%.1f p99us=%.1f errors=%d connections=%d size=%d total=%d"
                        + " seconds=%.3f serverTicks=%d closed=%d%n",
                m.echoes() / m.seconds(), m.latencies().getValueAtPercentile(50) / 1e3,
                m.latencies().getValueAtPercentile(99) / 1e3, errors.sum(), connections, size, messages.sum(),
                m.seconds(), m.serverTicks(), closed.sum());
        return errors.sum() == 0 ? 0 : 1;
    }

    /**
     * Does the opening handshake on every open channel, blocking, on virtual threads with at most
     * {@link EchoLoad#CONNECTS_IN_FLIGHT} at once. A channel whose handshake fails is closed,
     * set to null and counts as an error.
     *
     * @return false if they did not all settle within 60 s
     */
    private static boolean handshakeAll(SocketChannel[] channels, String path, LongAdder errors)
            throws InterruptedException {
        Semaphore inFlight = new Semaphore(EchoLoad.CONNECTS_IN_FLIGHT);
        CountDownLatch settled = new CountDownLatch(channels.length);
        AtomicLong failures = new AtomicLong();
        for (int i = 0; i < channels.length; i++) {
            int id = i;
            Thread.ofVirtual().start(() -> {
                try {
                    if (channels[id] != null) {
                        inFlight.acquire();
                        try {
                            Socket s = channels[id].socket();
                            s.setSoTimeout(EchoLoad.IO_TIMEOUT_MS);
                            WsHandshake.open(s, path);
                        } finally {
                            inFlight.release();
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    if (failures.incrementAndGet() == 1) {
                        System.err.println("WsEchoLoad: handshake failed: " + e);
                    }
                    errors.increment();
                    EchoLoad.closeQuietly(channels[id]);
                    channels[id] = null;
                } finally {
                    settled.countDown();
                }
            });
        }
        if (!settled.await(60, TimeUnit.SECONDS)) {
            System.err.println("WsEchoLoad: handshakes not done in 60 s");
            return false;
        }
        if (failures.get() > 0) {
            System.err.println("WsEchoLoad: " + failures.get() + " of " + channels.length + " handshakes failed");
        }
        return true;
    }

    /** Where a connection is in its life. */
    private enum Phase {
        /** Exchanging messages. */
        OPEN,
        /** The close frame is sent (or is to be, once the last echo is in); the server's is awaited. */
        CLOSING,
        /** The server's close frame came; the end of the TCP stream is awaited. */
        CLOSE_RECEIVED,
        /** Closed: by the whole handshake, or by an error. */
        DONE
    }

    /** One connection: the message in flight, the frame being read and where it is in its life. */
    private static final class WsConn extends SelectorRun.Conn {
        Phase phase = Phase.OPEN;
        /** Where the message in flight starts in the pattern. */
        int offset;
        long seq;
        long sentAt;
        /** Whether a message is out whose echo is not all in. */
        boolean waiting;
        /** The opcode of the message being read (its first frame's), 0 between messages. */
        int messageOpcode;
        /** Bytes of the message being read so far, all checked. */
        int got;
        /** Whether a data frame's payload is being read, and how much of it is still to come. */
        boolean inPayload;
        long payloadLeft;
        boolean payloadFin;

        WsConn(int id, SocketChannel ch, ByteBuffer out, ByteBuffer expected, ByteBuffer in) {
            super(id, ch, out, expected, in);
        }
    }

    /** A selector thread driving its connections until told to stop, then closing them. */
    private static final class WsLoop extends SelectorRun.Loop<WsConn> {
        private final SplittableRandom masks = new SplittableRandom();
        private final LongAdder closed;

        WsLoop(int size, byte[] pattern, LongAdder messages, LongAdder errors, LongAdder closed, AtomicBoolean stop)
                throws IOException {
            super(size, pattern, messages, errors, stop);
            this.closed = closed;
        }

        @Override
        WsConn connection(int id, SocketChannel ch) {
            ByteBuffer out = ByteBuffer.allocateDirect(WsFrames.clientFrameLength(size) + CONTROL_ROOM).flip();
            // Room for a whole echo (a server's frame head is at most 10 bytes), so that one read
            // takes it as the TCP echo's does, and for the largest control frame beside a head.
            ByteBuffer in = ByteBuffer.allocateDirect(Math.max(size + 10, 2 * (WsFrames.MAX_CLIENT_HEADER
                    + WsFrames.MAX_CONTROL_PAYLOAD)));
            return new WsConn(id, ch, out, pattern.duplicate(), in);
        }

        @Override
        void loop() throws IOException {
            for (WsConn c : conns) {
                try {
                    send(c);
                } catch (IOException e) {
                    fail(c, e.toString());
                }
            }
            selectUntilStopped(c -> c.phase == Phase.OPEN && c.waiting, c -> c.sentAt);
            closeAll();
        }

        /**
         * The close handshakes: each connection closes once its last echo is in, then the loop
         * runs until every one is done or the time for them is up.
         */
        private void closeAll() throws IOException {
            for (WsConn c : conns) {
                if (c.phase == Phase.OPEN) {
                    c.phase = Phase.CLOSING;
                    if (!c.waiting) {
                        try {
                            sendClose(c);
                        } catch (IOException e) {
                            fail(c, e.toString());
                        }
                    }
                }
            }
            long deadline = System.nanoTime() + CLOSE_NANOS;
            while (System.nanoTime() - deadline < 0 && !allDone()) {
                select(10);
            }
            for (WsConn c : conns) {
                if (c.phase != Phase.DONE) {
                    fail(c, "close handshake not done within " + TimeUnit.NANOSECONDS.toSeconds(CLOSE_NANOS)
                            + " s (" + c.phase + ")");
                }
            }
        }

        private boolean allDone() {
            for (WsConn c : conns) {
                if (c.phase != Phase.DONE) {
                    return false;
                }
            }
            return true;
        }

        /** Sends the next message: a window on the pattern, in one masked binary frame. */
        private void send(WsConn c) throws IOException {
            // Each message starts elsewhere in the pattern (per connection and per message), so a
            // stale, reordered or crossed-over byte does not compare equal.
            c.offset = EchoLoad.patternOffset(c.seq * 7 + c.id, 0);
            c.got = 0;
            c.sentAt = System.nanoTime();
            c.waiting = true;
            frame(c, WsFrames.BINARY, pattern.duplicate().limit(c.offset + size).position(c.offset));
        }

        private void sendClose(WsConn c) throws IOException {
            frame(c, WsFrames.CLOSE, WsFrames.closePayload(WsFrames.NORMAL_CLOSURE));
        }

        /**
         * Queues one frame behind what the connection has yet to send and writes what it can:
         * frames go out whole and in order, never interleaved.
         */
        private void frame(WsConn c, int opcode, ByteBuffer payload) throws IOException {
            c.out.compact();
            if (c.out.remaining() < WsFrames.clientFrameLength(payload.remaining())) {
                c.out.flip();
                throw new IOException("output backed up: " + c.out.remaining() + " bytes not taken by the server");
            }
            WsFrames.putClientFrame(c.out, opcode, payload, masks.nextInt());
            c.out.flip();
            flush(c);
        }

        @Override
        void flush(WsConn c) throws IOException {
            c.ch.write(c.out);
            interest(c);
        }

        @Override
        void receive(WsConn c) throws IOException {
            int n = c.ch.read(c.in);
            if (n < 0) {
                if (c.phase != Phase.CLOSE_RECEIVED) {
                    throw new IOException("server closed the connection" + (c.phase == Phase.CLOSING
                            ? " without answering the close frame" : ""));
                }
                c.phase = Phase.DONE;
                closed.increment();
                c.key.cancel();
                EchoLoad.closeQuietly(c.ch);
                return;
            }
            c.in.flip();
            try {
                // Bounded: each pass consumes a frame head, a control frame or payload bytes.
                while (c.in.hasRemaining() && c.phase != Phase.DONE && parse(c)) {
                    // parse() did the work
                }
            } finally {
                c.in.compact();
            }
        }

        /**
         * Takes what it can of one frame from {@code c.in} (in read mode).
         *
         * @return whether it took anything (false: more bytes are needed)
         */
        private boolean parse(WsConn c) throws IOException {
            ByteBuffer in = c.in;
            if (c.inPayload) {
                return payload(c);
            }
            int at = in.position();
            if (in.remaining() < 2) {
                return false;
            }
            int b0 = in.get(at) & 0xFF;
            int b1 = in.get(at + 1) & 0xFF;
            if ((b1 & 0x80) != 0) {
                throw new IOException("the server masked a frame");
            }
            if ((b0 & 0x70) != 0) {
                throw new IOException("reserved bits set without an extension: 0x" + Integer.toHexString(b0));
            }
            int len7 = b1 & 0x7F;
            int head = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
            if (in.remaining() < head) {
                return false;
            }
            long length = len7 == 126 ? in.getShort(at + 2) & 0xFFFF : len7 == 127 ? in.getLong(at + 2) : len7;
            boolean fin = (b0 & WsFrames.FIN) != 0;
            int opcode = b0 & 0x0F;
            if (opcode >= WsFrames.CLOSE) {
                if (!fin || length > WsFrames.MAX_CONTROL_PAYLOAD) {
                    throw new IOException("control frame fragmented or over 125 bytes");
                }
                if (in.remaining() < head + length) {
                    return false;
                }
                in.position(at + head);
                control(c, opcode, in.slice(in.position(), (int) length));
                in.position(in.position() + (int) length);
                return true;
            }
            if (opcode == WsFrames.CONTINUATION) {
                if (c.messageOpcode == 0) {
                    throw new IOException("continuation frame without a message begun");
                }
            } else if (opcode == WsFrames.TEXT || opcode == WsFrames.BINARY) {
                if (c.messageOpcode != 0) {
                    throw new IOException("a new message inside a fragmented one");
                }
                if (opcode != WsFrames.BINARY) {
                    throw new IOException("the echo of a binary message came as text");
                }
                c.messageOpcode = opcode;
            } else {
                throw new IOException("unknown opcode " + opcode);
            }
            if (!c.waiting) {
                throw new IOException("a message that echoes nothing sent");
            }
            if (length < 0 || c.got + length > size) {
                throw new IOException("echo longer than the " + size + " bytes sent");
            }
            in.position(at + head);
            c.inPayload = true;
            c.payloadLeft = length;
            c.payloadFin = fin;
            payload(c); // also ends an empty frame
            return true;
        }

        /** Checks what has come of a data frame's payload; ends the frame, and the message, when whole. */
        private boolean payload(WsConn c) throws IOException {
            ByteBuffer in = c.in;
            int n = (int) Math.min(c.payloadLeft, in.remaining());
            if (n > 0) {
                int limit = in.limit();
                int from = c.offset + c.got;
                in.limit(in.position() + n);
                c.expected.clear().position(from).limit(from + n);
                boolean same = in.equals(c.expected);
                in.limit(limit);
                if (!same) {
                    throw new IOException("echo mismatch on connection " + c.id + " in bytes " + c.got + " to "
                            + (c.got + n - 1));
                }
                in.position(in.position() + n);
                c.got += n;
                c.payloadLeft -= n;
            }
            if (c.payloadLeft > 0) {
                return n > 0;
            }
            c.inPayload = false;
            if (c.payloadFin) {
                if (c.got != size) {
                    throw new IOException("echo of " + c.got + " bytes, " + size + " sent");
                }
                echoed(c);
            }
            return true;
        }

        /** A whole, checked echo: counts it and sends the next message, or the close frame. */
        private void echoed(WsConn c) throws IOException {
            long now = System.nanoTime();
            c.messageOpcode = 0;
            c.waiting = false;
            if (c.phase == Phase.OPEN) {
                record(now - c.sentAt);
                echoes.increment();
                c.seq++;
                if (!stop.get()) {
                    send(c);
                }
            } else if (c.phase == Phase.CLOSING) {
                sendClose(c); // the last echo is in: now the close
            }
        }

        private void control(WsConn c, int opcode, ByteBuffer payload) throws IOException {
            switch (opcode) {
                case WsFrames.PING -> frame(c, WsFrames.PONG, payload);
                case WsFrames.PONG -> {
                    // unsolicited: ignored, as RFC 6455 §5.5.3 allows
                }
                case WsFrames.CLOSE -> {
                    if (c.phase != Phase.CLOSING || c.waiting) {
                        throw new IOException("the server closed first" + closeCode(payload));
                    }
                    if (payload.remaining() >= 2 && payload.getShort(0) != WsFrames.NORMAL_CLOSURE) {
                        throw new IOException("the server answered the close with" + closeCode(payload));
                    }
                    c.phase = Phase.CLOSE_RECEIVED;
                }
                default -> throw new IOException("unknown control opcode " + opcode);
            }
        }

        private static String closeCode(ByteBuffer payload) {
            return payload.remaining() >= 2 ? " code " + (payload.getShort(0) & 0xFFFF) : " (no code)";
        }

        @Override
        void fail(WsConn c, String why) {
            if (c.phase == Phase.DONE) {
                return;
            }
            c.phase = Phase.DONE;
            c.waiting = false;
            if (stop.get()) {
                // SelectorRun's error() counts nothing once the run is stopping; a failed close does count.
                if (errors.sum() < 5) {
                    System.err.println("WsEchoLoad: connection " + c.id + ": " + why);
                }
                errors.increment();
                c.key.cancel();
                EchoLoad.closeQuietly(c.ch);
            } else {
                error(c, why);
            }
        }
    }
}
