package io.loomux.bench.soak;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients that do what real clients do wrong ({@link Misbehaviour}), at the same time as the
 * well-behaved ones. What the server owes each of them is checked here:
 * <ul>
 *   <li>half-close: every byte of the answer, verified like a well-behaved message, then the
 *       end of the stream (lost, crossed and reset count as for the well-behaved: an early end
 *       is excused only if an injector faulted that very connection);</li>
 *   <li>stop reading: it stops taking bytes after at most {@link #PUSH_BACK_BOUND};</li>
 *   <li>a head a byte a second: cut within the header timeout plus {@link #CUT_SLACK}.</li>
 * </ul>
 * Anything else that happens to a misbehaving client (its own I/O failing after it reset,
 * say) is its own doing and not counted; an injected reset cannot make the other checks fail
 * (a server that resets a client that never reads has pushed back, and one that resets a
 * slow head has cut it). What it may leave behind on the server is what the
 * round's leak checks look for.
 */
final class Misbehaving {

    /**
     * More than this taken from a client that reads nothing means the server buffers instead of
     * pushing back. Loopback sockets autotune to a few MiB each way: the client's send buffer,
     * the server's receive and send buffers and the client's receive buffer together stay well
     * under it.
     */
    static final long PUSH_BACK_BOUND = 64L << 20;
    /** A client that reads nothing stops after this much if the server never pushes back. */
    private static final long STOP_READING_CAP = 256L << 20;
    /** How long a client that reads nothing goes on writing before it resets. */
    private static final Duration STALL = Duration.ofSeconds(2);
    /** How late after the header timeout a slow head may still be cut (the server's tick, load). */
    static final Duration CUT_SLACK = Duration.ofSeconds(3);
    private static final Duration SLOW_HEAD_PACE = Duration.ofSeconds(1);

    private final Pattern pattern;
    private final Tally tally;
    private final WellBehaved judge;
    private final Faults faults;
    private final Duration headerTimeout;

    Misbehaving(Pattern pattern, Tally tally, WellBehaved judge, Faults faults, Duration headerTimeout) {
        this.pattern = pattern;
        this.tally = tally;
        this.judge = judge;
        this.faults = faults;
        this.headerTimeout = headerTimeout;
    }

    /** Misbehaves against the target, a kind drawn at random each time, until the deadline. */
    void loop(Target t, SplittableRandom random, long deadline) {
        List<Misbehaviour> kinds = Arrays.stream(Misbehaviour.values()).filter(m -> m.appliesTo(t.kind())).toList();
        // Bounded: each client ends within its own time limits, and none starts late.
        while (System.nanoTime() - deadline < 0) {
            run(t, kinds.get(random.nextInt(kinds.size())), random);
        }
    }

    void run(Target t, Misbehaviour m, SplittableRandom random) {
        tally.connected(t.kind());
        tally.misbehaved(m);
        long conn = judge.nextId();
        String where = t.name() + " " + m.label() + " connection " + conn;
        Wire w;
        try {
            w = Wire.open(t, faults);
        } catch (IOException e) {
            if (m == Misbehaviour.HALF_CLOSE) {
                tally.lost(t.kind(), where + ": connect failed: " + e);
            }
            return;
        }
        try (w) {
            byte[] msg = message(conn, WellBehaved.size(random));
            boolean chunked = t.kind().http() && random.nextBoolean();
            switch (m) {
                case RESET_MID_MESSAGE -> {
                    w.sendPart(msg, random.nextInt(msg.length), chunked);
                    w.reset();
                }
                case VANISH -> w.sendPart(msg, random.nextInt(msg.length), chunked);
                case HALF_CLOSE -> halfClose(t, w, conn, msg, chunked, where);
                case STOP_READING -> stopReading(t, w, where);
                case SLOW_HEAD -> slowHead(t, w, where);
            }
        } catch (SocketTimeoutException e) {
            if (m == Misbehaviour.HALF_CLOSE) {
                tally.lost(t.kind(), where + ": no answer within " + Wire.ANSWER.toSeconds() + " s" + WellBehaved.client(w));
            }
        } catch (IOException e) {
            if (m == Misbehaviour.HALF_CLOSE) {
                // Only the half-close is owed its answer; excused only if its own connection was faulted.
                judge.endedEarly(t, where, e, w);
            }
            // Otherwise the client's own doing: a server may cut a misbehaving client.
        }
    }

    private byte[] message(long conn, int words) {
        ByteBuffer b = ByteBuffer.allocate(words * Pattern.WORD);
        pattern.fill(b, conn, 0);
        return b.array();
    }

    private void halfClose(Target t, Wire w, long conn, byte[] msg, boolean chunked, String where)
            throws IOException {
        w.send(msg, chunked);
        w.shutdownOutput();
        byte[] back = w.receive(msg.length);
        if (judge.judge(t, conn, 0, msg.length, back, 0) && !w.endsNext()) {
            tally.lost(t.kind(), where + ": bytes after the whole answer");
        }
    }

    private void stopReading(Target t, Wire w, String where) throws IOException {
        if (t.kind().http()) {
            // A head that announces far more than will ever come: the echo answers as it reads.
            String head = "POST /echo HTTP/1.1\r\nHost: " + t.address().getHostString() + "\r\nContent-Length: "
                    + STOP_READING_CAP + "\r\n\r\n";
            byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
            w.sendRaw(h, 0, h.length);
        }
        AtomicLong written = new AtomicLong();
        byte[] chunk = new byte[64 * 1024];
        Thread writer = Thread.ofVirtual().name("soak-stop-reading").start(() -> {
            try {
                // Ends at the cap, or when the reset below makes the blocked write fail.
                while (written.get() < STOP_READING_CAP) {
                    w.sendRaw(chunk, 0, chunk.length);
                    written.addAndGet(chunk.length);
                }
            } catch (IOException e) {
                // the reset, or the server giving up on this client: both end the writer
            }
        });
        try {
            writer.join(STALL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long took = written.get();
        w.reset();
        try {
            if (!writer.join(Wire.ANSWER)) {
                tally.problem(where + ": its writer did not end within " + Wire.ANSWER.toSeconds()
                        + " s of the reset");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (took > PUSH_BACK_BOUND) {
            tally.problem(where + ": the server took " + (took >> 20) + " MiB from a client that reads nothing"
                    + " (bound " + (PUSH_BACK_BOUND >> 20) + " MiB): it buffers instead of pushing back");
        }
    }

    private void slowHead(Target t, Wire w, String where) throws IOException {
        byte[] head = ("POST /echo HTTP/1.1\r\nHost: " + t.address().getHostString() + "\r\nContent-Length: 8\r\n"
                + "X-Soak: a head sent one byte a second\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        long start = System.nanoTime();
        long limit = headerTimeout.plus(CUT_SLACK).toNanos();
        // Bounded by the head's length; each pass sends a byte and waits up to a second.
        for (int i = 0; i < head.length; i++) {
            try {
                w.sendRaw(head, i, 1);
            } catch (IOException e) {
                return; // cut: the server closed or reset
            }
            if (w.answersWithin(SLOW_HEAD_PACE)) {
                return; // cut: a 408, an end of stream or a reset
            }
            if (System.nanoTime() - start > limit) {
                tally.problem(where + ": a head sent a byte a second was not cut within the header timeout ("
                        + headerTimeout.toSeconds() + " s) + " + CUT_SLACK.toSeconds() + " s");
                return;
            }
        }
        tally.problem(where + ": a whole head sent a byte a second was never cut");
    }
}
