package io.loomux.http.internal.h2;

import java.nio.ByteBuffer;

/**
 * The six settings of RFC 9113 section 6.5.2, as one endpoint's values or as the delta one
 * SETTINGS frame carries: each setting is either set here or reads as its default. Values are
 * unsigned 32-bit numbers held in a {@code long}; the two settings whose default is "no limit"
 * (MAX_CONCURRENT_STREAMS, MAX_HEADER_LIST_SIZE) default to 2^32-1, the largest value the wire
 * can carry, so no value needs a special case. Not thread-safe.
 */
final class Settings {

    static final int HEADER_TABLE_SIZE = 0x1;
    static final int ENABLE_PUSH = 0x2;
    static final int MAX_CONCURRENT_STREAMS = 0x3;
    static final int INITIAL_WINDOW_SIZE = 0x4;
    static final int MAX_FRAME_SIZE = 0x5;
    static final int MAX_HEADER_LIST_SIZE = 0x6;

    /** The largest value of a setting, and the default of the unlimited ones. */
    static final long UNLIMITED = 0xFFFF_FFFFL;
    /** The default and smallest MAX_FRAME_SIZE. */
    static final int MIN_MAX_FRAME_SIZE = 1 << 14;
    /** The largest MAX_FRAME_SIZE. */
    static final int MAX_MAX_FRAME_SIZE = (1 << 24) - 1;
    /** The largest INITIAL_WINDOW_SIZE, and the largest flow-control window. */
    static final int MAX_WINDOW_SIZE = Integer.MAX_VALUE;
    /** The bytes one setting takes in a SETTINGS payload. */
    static final int ENTRY_LENGTH = 6;

    private static final int COUNT = 6;
    private static final long[] DEFAULTS = {4096, 1, UNLIMITED, 65_535, MIN_MAX_FRAME_SIZE, UNLIMITED};
    private static final String[] NAMES = {"HEADER_TABLE_SIZE", "ENABLE_PUSH", "MAX_CONCURRENT_STREAMS",
            "INITIAL_WINDOW_SIZE", "MAX_FRAME_SIZE", "MAX_HEADER_LIST_SIZE"};

    private final long[] values = DEFAULTS.clone();
    /** Bit {@code id - 1} is set when setting {@code id} was set. */
    private int set;

    /** Every setting at its default, none set. */
    Settings() {
    }

    /**
     * Sets one of our own values.
     *
     * @throws IllegalArgumentException for an unknown id or a value RFC 9113 forbids
     */
    Settings set(int id, long value) {
        if (id < 1 || id > COUNT) {
            throw new IllegalArgumentException("unknown setting " + id);
        }
        ErrorCode error = check(id, value);
        if (error != null) {
            throw new IllegalArgumentException(describe(id, value));
        }
        put(id, value);
        return this;
    }

    /**
     * Takes one setting a peer sent, in the order the frame carries them (a later value of the
     * same id wins). Unknown ids are ignored (section 6.5.2).
     *
     * @param value the unsigned 32-bit value from the wire
     * @throws Http2Exception a connection error: PROTOCOL_ERROR for ENABLE_PUSH other than 0 or 1
     *                        and MAX_FRAME_SIZE outside 2^14..2^24-1, FLOW_CONTROL_ERROR for
     *                        INITIAL_WINDOW_SIZE above 2^31-1
     */
    void received(int id, long value) throws Http2Exception {
        if (id < 1 || id > COUNT) {
            return;
        }
        ErrorCode error = check(id, value);
        if (error != null) {
            throw Http2Exception.connection(error, describe(id, value));
        }
        put(id, value);
    }

    private void put(int id, long value) {
        values[id - 1] = value;
        set |= 1 << (id - 1);
    }

    /** @return the code a peer's value earns, or null if the value is allowed */
    private static ErrorCode check(int id, long value) {
        if (value < 0 || value > UNLIMITED) {
            return ErrorCode.PROTOCOL_ERROR;
        }
        return switch (id) {
            case ENABLE_PUSH -> value > 1 ? ErrorCode.PROTOCOL_ERROR : null;
            case INITIAL_WINDOW_SIZE -> value > MAX_WINDOW_SIZE ? ErrorCode.FLOW_CONTROL_ERROR : null;
            case MAX_FRAME_SIZE -> value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE
                    ? ErrorCode.PROTOCOL_ERROR : null;
            default -> null;
        };
    }

    private static String describe(int id, long value) {
        return "SETTINGS_" + NAMES[id - 1] + " of " + value + " is out of range";
    }

    /**
     * Parses a whole SETTINGS payload, as the HTTP2-Settings field of an h2c upgrade carries
     * (RFC 7540 section 3.2.1).
     *
     * @param payload the payload bytes; all of them are read
     * @throws Http2Exception FRAME_SIZE_ERROR if its length is not a multiple of 6, or as
     *                        {@link #received} for a value
     */
    static Settings decode(ByteBuffer payload) throws Http2Exception {
        if (payload.remaining() % ENTRY_LENGTH != 0) {
            throw Http2Exception.connection(ErrorCode.FRAME_SIZE_ERROR,
                    "a SETTINGS payload of " + payload.remaining() + " bytes, not a multiple of 6");
        }
        Settings s = new Settings();
        while (payload.hasRemaining()) {
            int id = Short.toUnsignedInt(payload.getShort());
            s.received(id, Integer.toUnsignedLong(payload.getInt()));
        }
        return s;
    }

    /** Copies every setting {@code delta} set into this one. */
    void apply(Settings delta) {
        for (int i = 0; i < COUNT; i++) {
            if ((delta.set & (1 << i)) != 0) {
                put(i + 1, delta.values[i]);
            }
        }
    }

    /** @return whether setting {@code id} was set (it may still hold its default value) */
    boolean isSet(int id) {
        return id >= 1 && id <= COUNT && (set & (1 << (id - 1))) != 0;
    }

    /** @return the value of setting {@code id}, its default if it was not set */
    long get(int id) {
        return values[id - 1];
    }

    long headerTableSize() {
        return values[HEADER_TABLE_SIZE - 1];
    }

    boolean enablePush() {
        return values[ENABLE_PUSH - 1] == 1;
    }

    long maxConcurrentStreams() {
        return values[MAX_CONCURRENT_STREAMS - 1];
    }

    int initialWindowSize() {
        return (int) values[INITIAL_WINDOW_SIZE - 1];
    }

    int maxFrameSize() {
        return (int) values[MAX_FRAME_SIZE - 1];
    }

    long maxHeaderListSize() {
        return values[MAX_HEADER_LIST_SIZE - 1];
    }

    /**
     * @return the payload length {@link #encode} writes: 6 bytes per setting that differs from
     *         its default. Enough for a server's first SETTINGS, which is all that is measured
     *         against the defaults; a later change back to a default would have to be sent too.
     */
    int encodedLength() {
        int n = 0;
        for (int i = 0; i < COUNT; i++) {
            if (values[i] != DEFAULTS[i]) {
                n++;
            }
        }
        return n * ENTRY_LENGTH;
    }

    /** Writes the SETTINGS payload (no frame header) of {@link #encodedLength} bytes. */
    void encode(ByteBuffer out) {
        for (int i = 0; i < COUNT; i++) {
            if (values[i] != DEFAULTS[i]) {
                out.putShort((short) (i + 1));
                out.putInt((int) values[i]);
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Settings[");
        String sep = "";
        for (int i = 0; i < COUNT; i++) {
            if ((set & (1 << i)) != 0) {
                b.append(sep).append(NAMES[i]).append('=').append(values[i]);
                sep = ", ";
            }
        }
        return b.append(']').toString();
    }
}
