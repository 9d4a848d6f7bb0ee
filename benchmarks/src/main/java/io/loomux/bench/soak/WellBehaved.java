package io.loomux.bench.soak;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client that does everything right: connects, sends messages of its own pattern one after
 * another (small, medium and up to 16 KiB; HTTP bodies sometimes chunked), checks every byte of
 * every answer, and closes. Whatever goes wrong is the server's doing, and is counted:
 * <ul>
 *   <li>an answer with a word of another connection: <b>crossed</b>;</li>
 *   <li>an answer with any other wrong byte, of the wrong length, a bad HTTP status or head,
 *       no answer within {@link Wire#ANSWER}, or a refused connection: <b>lost</b>;</li>
 *   <li>the connection ended by the server side (end of stream, reset, broken pipe) before the
 *       answer was whole: <b>reset</b> if a server's fault injector ended this very connection
 *       ({@link Wire#faulted()}), else <b>lost</b>, since nothing then excuses it.</li>
 * </ul>
 * After its first wrong answer a connection stops: its stream can no longer be trusted.
 */
final class WellBehaved {

    /** Most words in a message: 16 KiB, small enough that echoing it never waits on the reader. */
    static final int MAX_WORDS = 2048;
    private static final int MAX_MESSAGES = 200;

    private final Pattern pattern;
    private final Tally tally;
    private final Faults faults;
    private final AtomicLong ids;

    WellBehaved(Pattern pattern, Tally tally, Faults faults, AtomicLong ids) {
        this.pattern = pattern;
        this.tally = tally;
        this.faults = faults;
        this.ids = ids;
    }

    /**
     * Runs connections to the target one after another until the deadline.
     *
     * @param deadline System.nanoTime() after which no new connection starts
     */
    void loop(Target t, SplittableRandom random, long deadline) {
        // Bounded: each connection ends within its messages' answer times, and none starts late.
        while (System.nanoTime() - deadline < 0) {
            connection(t, random, 1 + random.nextInt(MAX_MESSAGES));
        }
    }

    /** How one connection ended. */
    enum Outcome {
        /** Every answer came back whole and right. */
        ANSWERED,
        /** An injector ended it (counted as reset): nothing can be said of its server. */
        FAULTED,
        /** Lost or crossed, counted as such. */
        FAILED
    }

    /**
     * One connection of {@code messages} messages.
     *
     * @return how it ended
     */
    Outcome connection(Target t, SplittableRandom random, int messages) {
        long conn = nextId();
        tally.connected(t.kind());
        long index = 0;
        int m = 0;
        Wire w;
        try {
            w = Wire.open(t, faults);
        } catch (IOException e) {
            // Before the server's end existed for the injector: nothing excuses it.
            tally.lost(t.kind(), t.name() + " connection " + conn + ": connect failed: " + e);
            return Outcome.FAILED;
        }
        try (w) {
            if (t.kind().h2()) {
                w.http2();
            }
            for (; m < messages; m++) {
                int words = size(random);
                ByteBuffer msg = ByteBuffer.allocate(words * Pattern.WORD);
                pattern.fill(msg, conn, index);
                w.send(msg.array(), t.kind().http() && random.nextInt(4) == 0);
                byte[] back = w.receive(msg.capacity());
                if (!judge(t, conn, index, msg.capacity(), back, m)) {
                    return Outcome.FAILED;
                }
                index += words;
            }
            return Outcome.ANSWERED;
        } catch (Wire.BadAnswer e) {
            tally.lost(t.kind(), t.name() + " connection " + conn + " message " + m + ": " + e.getMessage() + client(w));
        } catch (SocketTimeoutException e) {
            // A faulted connection is closed by its server at once: silence is never excused.
            tally.lost(t.kind(), t.name() + " connection " + conn + " message " + m + ": no answer within "
                    + Wire.ANSWER.toSeconds() + " s" + (w.faulted() ? " (the injector had faulted it)" : "")
                    + client(w));
        } catch (IOException e) {
            return endedEarly(t, t.name() + " connection " + conn + " message " + m, e, w);
        }
        return Outcome.FAILED;
    }

    /**
     * A connection the server side ended before the answer was whole: reset if an injector
     * faulted exactly this connection, else lost, whatever was injected into other connections.
     *
     * @return {@link Outcome#FAULTED} or {@link Outcome#FAILED}
     */
    Outcome endedEarly(Target t, String where, IOException e, Wire w) {
        if (w.faulted()) {
            tally.reset.increment();
            return Outcome.FAULTED;
        }
        tally.lost(t.kind(), where + ": ended by the server side, not by the injector: " + e + client(w));
        return Outcome.FAILED;
    }

    /** Matches what {@link #client(Wire)} adds to a problem; group 1 is the address. */
    static final java.util.regex.Pattern CLIENT = java.util.regex.Pattern.compile(" \\[client (\\S+)]");

    /** @return the client's address in a problem's words, for the server's account of it */
    static String client(Wire w) {
        return " [client " + w.client() + "]";
    }

    /**
     * Counts the answer to one message; true if it is right.
     *
     * @param sent the message's length
     */
    boolean judge(Target t, long conn, long index, int sent, byte[] back, int m) {
        Pattern.Verdict v = back.length == sent ? pattern.verify(ByteBuffer.wrap(back), conn, index)
                : Pattern.Verdict.LOST;
        switch (v) {
            case GOOD -> {
                tally.messages.increment();
                tally.bytes.add(back.length);
                return true;
            }
            case CROSSED -> tally.crossed(t.kind(), t.name() + " connection " + conn + " message " + m
                    + " holds bytes of another connection");
            case LOST -> tally.lost(t.kind(), t.name() + " connection " + conn + " message " + m + ": "
                    + (back.length == sent ? "wrong bytes" : back.length + " bytes back for " + sent));
        }
        return false;
    }

    long nextId() {
        return ids.getAndIncrement() % Pattern.MAX_CONNECTIONS;
    }

    /** Message sizes in words: mostly small, some of a few KiB, a few of up to 16 KiB. */
    static int size(SplittableRandom r) {
        int p = r.nextInt(100);
        if (p < 70) {
            return 1 + r.nextInt(16);
        }
        if (p < 95) {
            return 1 + r.nextInt(512);
        }
        return 1 + r.nextInt(MAX_WORDS);
    }
}
