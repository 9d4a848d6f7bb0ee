package io.loomux.http.internal.h2;

import java.nio.ByteBuffer;

/**
 * A push parser of the frames a client sends (RFC 9113 sections 4 to 6): fed whatever bytes
 * have arrived, in pieces of any size, it keeps its place across calls and hands typed frames to
 * a {@link FrameListener}. It checks every rule the frame alone decides (lengths, stream 0 or
 * not, padding, setting values, a header block not interleaved with other frames) and throws
 * {@link Http2Exception} with the code and scope the RFC gives; rules that need the streams'
 * states are the connection's.
 *
 * <p>Memory is bounded whatever the frame: DATA and header block fragments are handed over as
 * slices of the input, never copied; unknown frames, padding and GOAWAY debug data past
 * {@link #MAX_DEBUG_DATA} are skipped unread; SETTINGS are parsed one 6-byte entry at a time.
 * What is buffered is a partial frame header or fixed field (at most 9 bytes) and the GOAWAY
 * debug data kept.
 *
 * <p>After a stream error (thrown by the reader or by the listener) the input's position is
 * just past what was consumed, and the next {@link #feed} goes on where this one stopped: call
 * it again, even with no bytes left, until it returns. After a connection error the reader is
 * done. Not thread-safe: one reader at a time feeds it.
 */
final class FrameReader {

    /** The bytes of a frame header. */
    static final int HEADER_LENGTH = 9;
    /** The most GOAWAY debug data kept; the rest of it is skipped. */
    static final int MAX_DEBUG_DATA = 256;

    // What the reader is waiting for.
    private static final int PREFACE = 0;
    private static final int HEADER = 1;
    /** A fixed-size field at the start of a payload (or one SETTINGS entry), into scratch. */
    private static final int FIXED = 2;
    /** The variable part of a payload: data, fragment, debug data or bytes to skip. */
    private static final int BODY = 3;
    private static final int PADDING = 4;

    private final int maxFrameSize;
    private final byte[] scratch = new byte[HEADER_LENGTH];
    private int state;
    private int prefaceMatched;
    /** Whether the next frame must be SETTINGS (a server's first frame after the preface). */
    private boolean settingsFirst;
    private int scratchFill;
    private int scratchNeed;

    // The frame being read.
    private int length;
    private int type;
    private int flags;
    private int streamId;
    /** Payload bytes not yet consumed by FIXED or BODY (SETTINGS reads its entries from it). */
    private int payloadLeft;
    private int bodyLeft;
    private int padLeft;
    private Settings settings;
    private byte[] debug;
    private int debugFill;
    private int goAwayLastStream;
    private int goAwayCode;

    /** The stream of the open header block, 0 if none is open. */
    private int blockStream;
    private boolean blockEndStream;

    private Http2Exception failed;

    /**
     * A reader of frames only: no preface, and any frame may come first.
     *
     * @param maxFrameSize the SETTINGS_MAX_FRAME_SIZE we advertise, 2^14..2^24-1; a longer frame
     *                     is a connection FRAME_SIZE_ERROR
     */
    FrameReader(int maxFrameSize) {
        this(maxFrameSize, HEADER);
    }

    private FrameReader(int maxFrameSize, int state) {
        if (maxFrameSize < Settings.MIN_MAX_FRAME_SIZE || maxFrameSize > Settings.MAX_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("max frame size " + maxFrameSize);
        }
        this.maxFrameSize = maxFrameSize;
        this.state = state;
        this.settingsFirst = state == PREFACE;
    }

    /**
     * A reader of a server connection: it expects the client preface first (anything else is a
     * connection PROTOCOL_ERROR), then a SETTINGS frame (section 3.4; another frame is a
     * connection PROTOCOL_ERROR).
     */
    static FrameReader server(int maxFrameSize) {
        return new FrameReader(maxFrameSize, PREFACE);
    }

    /** @return whether a header block is open: the next frame must be its CONTINUATION */
    boolean inHeaderBlock() {
        return blockStream != 0;
    }

    /** @return whether the reader stands between two frames, with no partial frame buffered */
    boolean atFrameBoundary() {
        return state == HEADER && scratchFill == 0;
    }

    /**
     * Consumes all of {@code in}, or as much as comes before an error, delivering every frame
     * (or part of one) it completes.
     *
     * @throws Http2Exception what the input or the listener violated; see the class comment
     *                        for going on after a stream error
     * @throws IllegalStateException if an earlier call ended in a connection error
     */
    void feed(ByteBuffer in, FrameListener listener) throws Http2Exception {
        if (failed != null) {
            throw new IllegalStateException("the reader stopped at a connection error", failed);
        }
        try {
            run(in, listener);
        } catch (Http2Exception e) {
            if (e.isConnectionError()) {
                failed = e;
            }
            throw e;
        }
    }

    private void run(ByteBuffer in, FrameListener l) throws Http2Exception {
        while (true) {
            switch (state) {
                case PREFACE -> {
                    if (!matchPreface(in)) {
                        return;
                    }
                    state = HEADER;
                }
                case HEADER -> {
                    if (!fill(in, HEADER_LENGTH)) {
                        return;
                    }
                    header(l);
                }
                case FIXED -> {
                    if (!fill(in, scratchNeed)) {
                        return;
                    }
                    payloadLeft -= scratchNeed;
                    fixed(l);
                }
                case BODY -> {
                    if (bodyLeft == 0) {
                        state = PADDING;
                    } else if (!in.hasRemaining()) {
                        return;
                    } else {
                        body(in, l);
                    }
                }
                case PADDING -> {
                    if (padLeft == 0) {
                        state = HEADER;
                        frameEnd(l);
                    } else if (!in.hasRemaining()) {
                        return;
                    } else {
                        int n = Math.min(padLeft, in.remaining());
                        in.position(in.position() + n);
                        padLeft -= n;
                    }
                }
                default -> throw new AssertionError(state);
            }
        }
    }

    /** @return whether the whole preface was read */
    private boolean matchPreface(ByteBuffer in) throws Http2Exception {
        while (prefaceMatched < Preface.LENGTH) {
            if (!in.hasRemaining()) {
                return false;
            }
            if (in.get() != Preface.at(prefaceMatched)) {
                throw Http2Exception.connection(ErrorCode.PROTOCOL_ERROR,
                        "not the client connection preface (byte " + prefaceMatched + " differs)");
            }
            prefaceMatched++;
        }
        return true;
    }

    /** @return whether {@code need} bytes are in scratch; it is emptied for the next use if so */
    private boolean fill(ByteBuffer in, int need) {
        int n = Math.min(need - scratchFill, in.remaining());
        in.get(scratch, scratchFill, n);
        scratchFill += n;
        if (scratchFill < need) {
            return false;
        }
        scratchFill = 0;
        return true;
    }

    private void header(FrameListener l) throws Http2Exception {
        length = (scratch[0] & 0xff) << 16 | (scratch[1] & 0xff) << 8 | scratch[2] & 0xff;
        type = scratch[3] & 0xff;
        flags = scratch[4] & 0xff;
        // Section 4.1: the reserved bit is ignored on receipt.
        streamId = int32(5) & Integer.MAX_VALUE;
        payloadLeft = length;
        bodyLeft = 0;
        padLeft = 0;
        if (length > maxFrameSize) {
            throw connectionError(ErrorCode.FRAME_SIZE_ERROR, "of " + length + " bytes exceeds the maximum of "
                    + maxFrameSize);
        }
        if (blockStream != 0 && (type != FrameType.CONTINUATION || streamId != blockStream)) {
            // Section 6.10 (and 5.5 for extension frames): nothing may interleave a header block.
            throw connectionError(ErrorCode.PROTOCOL_ERROR, "inside the header block of stream " + blockStream);
        }
        if (settingsFirst) {
            if (type != FrameType.SETTINGS) {
                throw connectionError(ErrorCode.PROTOCOL_ERROR, "where the preface must be followed by SETTINGS");
            }
            settingsFirst = false;
        }
        switch (type) {
            case FrameType.DATA -> {
                requireStream();
                if (Flags.has(flags, Flags.PADDED)) {
                    requireLength(1);
                    expectFixed(1);
                } else {
                    startData(l, length, 0);
                }
            }
            case FrameType.HEADERS -> {
                requireStream();
                int fixed = (Flags.has(flags, Flags.PADDED) ? 1 : 0) + (Flags.has(flags, Flags.PRIORITY) ? 5 : 0);
                requireLength(fixed);
                if (fixed > 0) {
                    expectFixed(fixed);
                } else {
                    startHeaders(l, length, 0);
                }
            }
            case FrameType.PRIORITY -> {
                requireStream();
                if (length != 5) {
                    skip(length);
                    throw Http2Exception.stream(streamId, ErrorCode.FRAME_SIZE_ERROR,
                            "a PRIORITY frame of " + length + " bytes, not 5");
                }
                expectFixed(5);
            }
            case FrameType.RST_STREAM -> {
                requireStream();
                requireExactLength(4);
                expectFixed(4);
            }
            case FrameType.SETTINGS -> {
                requireConnection();
                if (Flags.has(flags, Flags.ACK)) {
                    requireExactLength(0);
                    state = HEADER;
                    l.settingsAck();
                } else {
                    if (length % Settings.ENTRY_LENGTH != 0) {
                        throw connectionError(ErrorCode.FRAME_SIZE_ERROR, "of " + length
                                + " bytes, not a multiple of 6");
                    }
                    settings = new Settings();
                    if (length == 0) {
                        deliverSettings(l);
                    } else {
                        expectFixed(Settings.ENTRY_LENGTH);
                    }
                }
            }
            case FrameType.PUSH_PROMISE -> throw connectionError(ErrorCode.PROTOCOL_ERROR,
                    "from a client (section 8.4)");
            case FrameType.PING -> {
                requireConnection();
                requireExactLength(8);
                expectFixed(8);
            }
            case FrameType.GOAWAY -> {
                requireConnection();
                requireLength(8);
                expectFixed(8);
            }
            case FrameType.WINDOW_UPDATE -> {
                requireExactLength(4);
                expectFixed(4);
            }
            case FrameType.CONTINUATION -> {
                if (blockStream == 0) {
                    throw connectionError(ErrorCode.PROTOCOL_ERROR, "without a header block to continue");
                }
                startBody(length, 0);
                l.continuationStart(streamId, length, Flags.has(flags, Flags.END_HEADERS));
            }
            default -> {
                skip(length);
                l.unknownFrame(type, streamId, flags, length);
            }
        }
    }

    /** The fixed field of {@link #scratchNeed} bytes is in scratch. */
    private void fixed(FrameListener l) throws Http2Exception {
        switch (type) {
            case FrameType.DATA -> {
                int pad = padLength();
                startData(l, payloadLeft - pad, pad);
            }
            case FrameType.HEADERS -> {
                boolean padded = Flags.has(flags, Flags.PADDED);
                int pad = padded ? padLength() : 0;
                int dependency = Flags.has(flags, Flags.PRIORITY) ? int32(padded ? 1 : 0) & Integer.MAX_VALUE : 0;
                startHeaders(l, payloadLeft - pad, pad);
                if (dependency == streamId) {
                    // Thrown after headersStart: the block must still reach the HPACK decoder.
                    throw Http2Exception.stream(streamId, ErrorCode.PROTOCOL_ERROR, "stream depends on itself");
                }
            }
            case FrameType.PRIORITY -> {
                int word = int32(0);
                state = HEADER;
                int dependency = word & Integer.MAX_VALUE;
                if (dependency == streamId) {
                    throw Http2Exception.stream(streamId, ErrorCode.PROTOCOL_ERROR, "stream depends on itself");
                }
                l.priority(streamId, dependency, word < 0, (scratch[4] & 0xff) + 1);
            }
            case FrameType.RST_STREAM -> {
                state = HEADER;
                l.rstStream(streamId, ErrorCode.of(int32(0)));
            }
            case FrameType.SETTINGS -> {
                int id = (scratch[0] & 0xff) << 8 | scratch[1] & 0xff;
                settings.received(id, Integer.toUnsignedLong(int32(2)));
                if (payloadLeft > 0) {
                    expectFixed(Settings.ENTRY_LENGTH);
                } else {
                    deliverSettings(l);
                }
            }
            case FrameType.PING -> {
                long data = (long) int32(0) << 32 | Integer.toUnsignedLong(int32(4));
                state = HEADER;
                l.ping(data, Flags.has(flags, Flags.ACK));
            }
            case FrameType.GOAWAY -> {
                goAwayLastStream = int32(0) & Integer.MAX_VALUE;
                goAwayCode = int32(4);
                debug = new byte[Math.min(payloadLeft, MAX_DEBUG_DATA)];
                debugFill = 0;
                startBody(payloadLeft, 0);
            }
            case FrameType.WINDOW_UPDATE -> {
                int increment = int32(0) & Integer.MAX_VALUE;
                state = HEADER;
                if (increment == 0) {
                    String message = "a WINDOW_UPDATE of 0";
                    throw streamId == 0 ? Http2Exception.connection(ErrorCode.PROTOCOL_ERROR, message)
                            : Http2Exception.stream(streamId, ErrorCode.PROTOCOL_ERROR, message);
                }
                l.windowUpdate(streamId, increment);
            }
            default -> throw new AssertionError(type);
        }
    }

    /** Hands over (or skips) the next bytes of the payload's variable part; some are there. */
    private void body(ByteBuffer in, FrameListener l) throws Http2Exception {
        int n = Math.min(bodyLeft, in.remaining());
        int at = in.position();
        in.position(at + n);
        bodyLeft -= n;
        payloadLeft -= n;
        switch (type) {
            case FrameType.DATA -> l.dataChunk(streamId, in.slice(at, n));
            case FrameType.HEADERS, FrameType.CONTINUATION -> l.headerFragment(streamId, in.slice(at, n));
            case FrameType.GOAWAY -> {
                int keep = Math.min(n, debug.length - debugFill);
                in.get(at, debug, debugFill, keep);
                debugFill += keep;
            }
            default -> {
                // Skipped: an unknown type, or a PRIORITY frame of the wrong size.
            }
        }
    }

    /** The whole payload was consumed; the state is already HEADER. */
    private void frameEnd(FrameListener l) throws Http2Exception {
        switch (type) {
            case FrameType.DATA -> l.dataEnd(streamId, Flags.has(flags, Flags.END_STREAM));
            case FrameType.HEADERS, FrameType.CONTINUATION -> {
                if (Flags.has(flags, Flags.END_HEADERS)) {
                    blockStream = 0;
                    l.headerBlockEnd(streamId, blockEndStream);
                }
            }
            case FrameType.GOAWAY -> {
                byte[] kept = debug;
                debug = null;
                l.goAway(goAwayLastStream, ErrorCode.of(goAwayCode), kept);
            }
            default -> {
                // Skipped frames end silently.
            }
        }
    }

    private void startData(FrameListener l, int data, int pad) throws Http2Exception {
        startBody(data, pad);
        l.dataStart(streamId, length, Flags.has(flags, Flags.END_STREAM));
    }

    private void startHeaders(FrameListener l, int fragment, int pad) throws Http2Exception {
        blockStream = streamId;
        blockEndStream = Flags.has(flags, Flags.END_STREAM);
        startBody(fragment, pad);
        l.headersStart(streamId, fragment, blockEndStream, Flags.has(flags, Flags.END_HEADERS));
    }

    /**
     * @return the pad length in scratch[0], checked against what is left of the payload: the
     *         padding may fill it but not exceed it (sections 6.1 and 6.2)
     */
    private int padLength() throws Http2Exception {
        int pad = scratch[0] & 0xff;
        if (pad > payloadLeft) {
            throw connectionError(ErrorCode.PROTOCOL_ERROR, "whose padding of " + pad + " bytes exceeds the "
                    + payloadLeft + " bytes left of its payload");
        }
        return pad;
    }

    private void startBody(int body, int pad) {
        bodyLeft = body;
        padLeft = pad;
        state = BODY;
    }

    private void skip(int n) {
        startBody(n, 0);
    }

    private void deliverSettings(FrameListener l) throws Http2Exception {
        Settings delta = settings;
        settings = null;
        state = HEADER;
        l.settings(delta);
    }

    private void expectFixed(int n) {
        scratchNeed = n;
        state = FIXED;
    }

    private int int32(int at) {
        return (scratch[at] & 0xff) << 24 | (scratch[at + 1] & 0xff) << 16 | (scratch[at + 2] & 0xff) << 8
                | scratch[at + 3] & 0xff;
    }

    private void requireStream() throws Http2Exception {
        if (streamId == 0) {
            throw connectionError(ErrorCode.PROTOCOL_ERROR, "on stream 0");
        }
    }

    private void requireConnection() throws Http2Exception {
        if (streamId != 0) {
            throw connectionError(ErrorCode.PROTOCOL_ERROR, "on stream " + streamId + ", not 0");
        }
    }

    /** Section 4.2: too short for its fixed fields; such frames all affect the connection. */
    private void requireLength(int atLeast) throws Http2Exception {
        if (length < atLeast) {
            throw connectionError(ErrorCode.FRAME_SIZE_ERROR, "of " + length + " bytes, shorter than its "
                    + atLeast + " bytes of fixed fields");
        }
    }

    private void requireExactLength(int exactly) throws Http2Exception {
        if (length != exactly) {
            throw connectionError(ErrorCode.FRAME_SIZE_ERROR, "of " + length + " bytes, not " + exactly);
        }
    }

    private Http2Exception connectionError(ErrorCode code, String what) {
        return Http2Exception.connection(code, "a " + FrameType.name(type) + " frame on stream " + streamId + " "
                + what);
    }
}
