package io.loomux.http.internal.h2;

import java.nio.ByteBuffer;

/**
 * What a {@link FrameReader} found, frame by frame, in the order of the input. Buffers handed
 * over are slices of the reader's input, valid only during the call: a listener that keeps
 * bytes copies them. The reader has updated its own state before each call, so a stream-scope
 * {@link Http2Exception} thrown by a listener leaves the reader ready to go on as it does after
 * one of its own; a connection-scope one ends the reader.
 */
interface FrameListener {

    /**
     * A DATA frame begins (after its pad length, if any, was read and checked).
     *
     * @param flowLength the frame's whole payload length, pad length and padding included: what
     *                   it takes out of the flow-control windows (section 6.9.1)
     */
    void dataStart(int streamId, int flowLength, boolean endStream) throws Http2Exception;

    /** Some of the current DATA frame's data, padding stripped; never empty. */
    void dataChunk(int streamId, ByteBuffer data) throws Http2Exception;

    /** The current DATA frame ended; also for a DATA frame that carried no data. */
    void dataEnd(int streamId, boolean endStream) throws Http2Exception;

    /**
     * A HEADERS frame begins a header block. Its priority fields, if any, were read and dropped
     * (RFC 9113 section 5.3.2: priorities are the client's hint, which this server ignores).
     *
     * @param fragmentLength the bytes of header block fragment this frame carries, padding and
     *                       priority excluded
     * @param endHeaders     whether this frame is the whole block; else CONTINUATIONs follow
     */
    void headersStart(int streamId, int fragmentLength, boolean endStream, boolean endHeaders)
            throws Http2Exception;

    /** A CONTINUATION frame carries more of the open header block. */
    void continuationStart(int streamId, int fragmentLength, boolean endHeaders) throws Http2Exception;

    /** Some header block fragment bytes of the current HEADERS or CONTINUATION; never empty. */
    void headerFragment(int streamId, ByteBuffer fragment) throws Http2Exception;

    /**
     * The header block ended: the frame with END_HEADERS was delivered whole.
     *
     * @param endStream the END_STREAM flag of the block's HEADERS frame
     */
    void headerBlockEnd(int streamId, boolean endStream) throws Http2Exception;

    /**
     * A PRIORITY frame (not a HEADERS frame's priority fields).
     *
     * @param weight 1..256
     */
    void priority(int streamId, int dependency, boolean exclusive, int weight) throws Http2Exception;

    /** An RST_STREAM frame; an unknown code reads as INTERNAL_ERROR. */
    void rstStream(int streamId, ErrorCode code) throws Http2Exception;

    /**
     * A SETTINGS frame (not an ACK), whole and valid.
     *
     * @param delta the settings the frame set, each already checked; a new object per frame
     */
    void settings(Settings delta) throws Http2Exception;

    /** A SETTINGS frame with ACK. */
    void settingsAck() throws Http2Exception;

    /** A PING frame; {@code data} is its 8 opaque bytes, big-endian. */
    void ping(long data, boolean ack) throws Http2Exception;

    /**
     * A GOAWAY frame.
     *
     * @param debugData at most {@link FrameReader#MAX_DEBUG_DATA} first bytes of its debug data;
     *                  the rest was skipped unread
     */
    void goAway(int lastStreamId, ErrorCode code, byte[] debugData) throws Http2Exception;

    /**
     * A WINDOW_UPDATE frame.
     *
     * @param streamId  0 for the connection's window
     * @param increment 1..2^31-1
     */
    void windowUpdate(int streamId, int increment) throws Http2Exception;

    /**
     * A frame of a type RFC 9113 does not define, about to be skipped unread (section 5.5);
     * reported so that a flood of them can be counted.
     */
    void unknownFrame(int type, int streamId, int flags, int length) throws Http2Exception;
}
