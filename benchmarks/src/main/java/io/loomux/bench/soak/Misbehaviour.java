package io.loomux.bench.soak;

/**
 * What a misbehaving client does to a server. None of it may disturb the well-behaved clients
 * of the same server, and none may leave anything behind once the client is gone.
 */
enum Misbehaviour {
    /** Sends part of a message (for HTTP: a head and part of its body), then resets (SO_LINGER 0, close). */
    RESET_MID_MESSAGE("reset mid-message", true),
    /**
     * Sends whole messages (HTTP: one request), shuts its output down, and still reads: every
     * byte of the answer must come back, verified like a well-behaved client's, then the end.
     */
    HALF_CLOSE("half-close", true),
    /** Sends far more than it reads (never reads): the server must push back, not buffer. */
    STOP_READING("stop reading", true),
    /** Sends an HTTP request head one byte a second: the header timeout must cut it. HTTP only. */
    SLOW_HEAD("head a byte a second", false),
    /** Sends part of a message and closes as if its process died. */
    VANISH("vanish", true);

    private final String label;
    private final boolean echoToo;

    Misbehaviour(String label, boolean echoToo) {
        this.label = label;
        this.echoToo = echoToo;
    }

    String label() {
        return label;
    }

    /** @return whether it applies to a server of that kind (a slow head means something only to HTTP) */
    boolean appliesTo(Kind kind) {
        return kind.http() || echoToo;
    }
}
