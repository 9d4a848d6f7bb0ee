package io.loomux.http.internal.h2;

/**
 * The flag bits of RFC 9113 section 6. One bit means different things on different types
 * (0x1 is END_STREAM on DATA and HEADERS, ACK on SETTINGS and PING); flags a type does not
 * define are ignored on receipt and never sent.
 */
final class Flags {

    /** DATA, HEADERS: the sender's last frame on the stream. */
    static final int END_STREAM = 0x1;
    /** SETTINGS, PING: an acknowledgement. */
    static final int ACK = 0x1;
    /** HEADERS, CONTINUATION: the last frame of a header block. */
    static final int END_HEADERS = 0x4;
    /** DATA, HEADERS: the payload starts with a pad length and ends with that much padding. */
    static final int PADDED = 0x8;
    /** HEADERS: the payload carries a stream dependency and weight. */
    static final int PRIORITY = 0x20;

    private Flags() {
    }

    static boolean has(int flags, int flag) {
        return (flags & flag) != 0;
    }
}
