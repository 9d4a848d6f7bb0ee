package io.loomux.http.internal.h2;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;

/**
 * Encodes the frames a server sends into a buffer the caller supplies. Each method first checks
 * that the whole encoding fits in {@code out.remaining()} (else {@link BufferOverflowException},
 * with nothing written), then writes it at {@code out}'s position and advances it. The sizes,
 * in bytes: SETTINGS {@code 9 + settings.encodedLength()} (at most 45), SETTINGS ACK 9, PING 17,
 * RST_STREAM 13, WINDOW_UPDATE 13, GOAWAY {@code 17 + debug.length}, a DATA frame's header 9
 * (its payload goes out separately, in the same gathering write), a header block
 * {@link #headerBlockLength}.
 */
final class FrameWriter {

    /** The bytes of a frame header. */
    static final int HEADER_LENGTH = FrameReader.HEADER_LENGTH;

    private FrameWriter() {
    }

    /** Writes a frame header; the payload of {@code length} bytes must follow. */
    static void header(ByteBuffer out, int length, int type, int flags, int streamId) {
        if (length < 0 || length > Settings.MAX_MAX_FRAME_SIZE || streamId < 0) {
            throw new IllegalArgumentException("frame of " + length + " bytes on stream " + streamId);
        }
        out.put((byte) (length >>> 16)).put((byte) (length >>> 8)).put((byte) length);
        out.put((byte) type).put((byte) flags).putInt(streamId);
    }

    /** Writes a SETTINGS frame with the values of {@code settings} that differ from the defaults. */
    static void settings(ByteBuffer out, Settings settings) {
        int length = settings.encodedLength();
        room(out, HEADER_LENGTH + length);
        header(out, length, FrameType.SETTINGS, 0, 0);
        settings.encode(out);
    }

    static void settingsAck(ByteBuffer out) {
        room(out, HEADER_LENGTH);
        header(out, 0, FrameType.SETTINGS, Flags.ACK, 0);
    }

    /** Writes a PING; the server sends ACKs of the client's, with the same data. */
    static void ping(ByteBuffer out, long data, boolean ack) {
        room(out, HEADER_LENGTH + 8);
        header(out, 8, FrameType.PING, ack ? Flags.ACK : 0, 0);
        out.putLong(data);
    }

    /**
     * @param debug opaque diagnostic bytes, at most 16,376 so that the frame fits the smallest
     *              max frame size a peer may have
     */
    static void goAway(ByteBuffer out, int lastStreamId, ErrorCode code, byte[] debug) {
        if (debug.length > Settings.MIN_MAX_FRAME_SIZE - 8 || lastStreamId < 0) {
            throw new IllegalArgumentException("GOAWAY with " + debug.length + " bytes of debug data, last stream "
                    + lastStreamId);
        }
        room(out, HEADER_LENGTH + 8 + debug.length);
        header(out, 8 + debug.length, FrameType.GOAWAY, 0, 0);
        out.putInt(lastStreamId).putInt(code.code()).put(debug);
    }

    static void rstStream(ByteBuffer out, int streamId, ErrorCode code) {
        requireStream(streamId);
        room(out, HEADER_LENGTH + 4);
        header(out, 4, FrameType.RST_STREAM, 0, streamId);
        out.putInt(code.code());
    }

    /**
     * @param streamId  0 for the connection's window
     * @param increment 1..2^31-1
     */
    static void windowUpdate(ByteBuffer out, int streamId, int increment) {
        if (increment <= 0) {
            throw new IllegalArgumentException("increment " + increment);
        }
        room(out, HEADER_LENGTH + 4);
        header(out, 4, FrameType.WINDOW_UPDATE, 0, streamId);
        out.putInt(increment);
    }

    /**
     * Writes the header of a DATA frame whose {@code length} bytes of data the caller sends right
     * after it; no padding.
     */
    static void dataHeader(ByteBuffer out, int streamId, int length, boolean endStream) {
        requireStream(streamId);
        room(out, HEADER_LENGTH);
        header(out, length, FrameType.DATA, endStream ? Flags.END_STREAM : 0, streamId);
    }

    /**
     * @return the bytes {@link #headerBlock} writes for a block of {@code blockLength} bytes:
     *         the block plus 9 per frame, one frame per {@code maxFrameSize} bytes or part of it
     *         (one frame for an empty block)
     */
    static int headerBlockLength(int blockLength, int maxFrameSize) {
        int frames = Math.max(1, (blockLength + maxFrameSize - 1) / maxFrameSize);
        return blockLength + frames * HEADER_LENGTH;
    }

    /**
     * Writes an encoded header block as a HEADERS frame followed by as many CONTINUATION frames
     * as the peer's max frame size asks, END_HEADERS on the last; no padding, no priority.
     *
     * @param block        the block, from its position to its limit; consumed
     * @param endStream    END_STREAM on the HEADERS frame: the block is the stream's last frame
     * @param maxFrameSize the peer's SETTINGS_MAX_FRAME_SIZE (any size from 1, for tests)
     */
    static void headerBlock(ByteBuffer out, int streamId, ByteBuffer block, boolean endStream, int maxFrameSize) {
        requireStream(streamId);
        if (maxFrameSize < 1 || maxFrameSize > Settings.MAX_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("max frame size " + maxFrameSize);
        }
        room(out, headerBlockLength(block.remaining(), maxFrameSize));
        int type = FrameType.HEADERS;
        int flags = endStream ? Flags.END_STREAM : 0;
        do {
            int n = Math.min(block.remaining(), maxFrameSize);
            boolean last = n == block.remaining();
            header(out, n, type, flags | (last ? Flags.END_HEADERS : 0), streamId);
            out.put(out.position(), block, block.position(), n);
            out.position(out.position() + n);
            block.position(block.position() + n);
            type = FrameType.CONTINUATION;
            flags = 0;
        } while (block.hasRemaining());
    }

    private static void room(ByteBuffer out, int needed) {
        if (out.remaining() < needed) {
            throw new BufferOverflowException();
        }
    }

    private static void requireStream(int streamId) {
        if (streamId <= 0) {
            throw new IllegalArgumentException("stream " + streamId);
        }
    }
}
