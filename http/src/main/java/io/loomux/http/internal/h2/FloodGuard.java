package io.loomux.http.internal.h2;

/**
 * The budgets one HTTP/2 connection's client must keep, against the attacks that cost the server
 * work for frames that ask nothing of a handler (RFC 9113 section 10.5; CVE-2019-9512, -9515,
 * -9518, CVE-2023-44487): floods of SETTINGS, PING, PRIORITY, unknown frames, empty DATA and tiny
 * WINDOW_UPDATEs, and streams reset in a loop, by the client or, provoked by malformed or refused
 * requests, by the server. Each is a leaky bucket: a frame adds to it, time drains it, and a
 * bucket that overflows ends the connection with GOAWAY(ENHANCE_YOUR_CALM). Frames that carry work
 * (a request's head, DATA with bytes in it) earn credit against the overhead, and a small
 * WINDOW_UPDATE that acknowledges DATA the server sent is not overhead, so a busy client that
 * acknowledges every DATA frame, as some do, is never taken for a flood; a flood made of nothing
 * but overhead trips within its bucket.
 *
 * <p>The sizes let every real client through with a wide margin (a browser sends a handful of
 * such frames per page, a client resets a stream when its user navigates away) and stop a flood
 * within a second or two of frames. Used by the connection's reader only.
 */
final class FloodGuard {

    /** Control frames that ask for no handler: at most this many at once... */
    static final int FRAMES = 1_000;
    /** ...draining by this many a second. */
    static final int FRAMES_PER_SECOND = 100;
    /** Streams reset before their response ended, by either side: at most this many at once... */
    static final int RESETS = 200;
    /** ...draining by this many a second. */
    static final int RESETS_PER_SECOND = 10;
    /**
     * A WINDOW_UPDATE smaller than this is overhead when it gives back more than the server sent,
     * or leaves the window smaller than this too (a client dribbling its window, the "data
     * dribble"); one acknowledging DATA received is not.
     */
    static final int SMALL_WINDOW_UPDATE = 1024;

    private final Bucket frames = new Bucket(FRAMES, FRAMES_PER_SECOND);
    private final Bucket resets = new Bucket(RESETS, RESETS_PER_SECOND);

    /** A frame that asks for no handler and carries nothing a request needs. */
    void overheadFrame(String what) throws Http2Exception {
        if (!frames.add(System.nanoTime())) {
            throw calm("more than " + FRAMES + " frames of overhead (" + what + ") at a rate over "
                    + FRAMES_PER_SECOND + " a second");
        }
    }

    /** What a frame that carries work earns against the overhead bucket. */
    static final int USEFUL_CREDIT = 2;

    /** A frame that carries work: a request's head, or DATA with bytes in it. */
    void usefulFrame() {
        frames.credit(USEFUL_CREDIT, System.nanoTime());
    }

    /** A stream ended by a reset before its response did, by the client or the server. */
    void reset(String why) throws Http2Exception {
        if (!resets.add(System.nanoTime())) {
            throw calm("more than " + RESETS + " streams reset (" + why + ") at a rate over " + RESETS_PER_SECOND
                    + " a second");
        }
    }

    private static Http2Exception calm(String what) {
        return Http2Exception.connection(ErrorCode.ENHANCE_YOUR_CALM, what);
    }

    /** A leaky bucket counted in events, drained continuously. */
    private static final class Bucket {
        private final double capacity;
        private final double perNano;
        private double level;
        private long last;

        Bucket(int capacity, int perSecond) {
            this.capacity = capacity;
            this.perNano = perSecond / 1e9;
            this.last = System.nanoTime();
        }

        /** @return false if the event overflows the bucket */
        boolean add(long now) {
            drain(now);
            level += 1;
            return level <= capacity;
        }

        /** Takes {@code n} out of the bucket, never below empty. */
        void credit(int n, long now) {
            drain(now);
            level = Math.max(0, level - n);
        }

        private void drain(long now) {
            level = Math.max(0, level - (now - last) * perNano);
            last = now;
        }
    }
}
