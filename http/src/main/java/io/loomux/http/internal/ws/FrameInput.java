package io.loomux.http.internal.ws;

import io.loomux.http.internal.HttpInput;
import io.loomux.http.websocket.Message;

import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a client's frames (RFC 6455 section 5) from the connection's input and keeps every rule
 * of sections 5 to 8 that a receiver can check; a broken one throws {@link ProtocolError} with
 * the close code that says how. Data frames are joined into whole messages; control frames, which
 * may come between the fragments of one, are returned as they come.
 *
 * <p>A frame's declared length is checked against the limits before anything is allocated for
 * it, so a header that claims 2^63 bytes costs nothing. A message in one frame (the usual case)
 * is read straight into an array of its exact size; a fragmented one is gathered in an array
 * that grows, and is let go once the message is whole. One thread at a time.
 *
 * <p>With permessage-deflate agreed, RSV1 on the first frame of a message says it is compressed
 * (on a continuation or a control frame it is a protocol error). A compressed frame's payload is
 * read a chunk at a time, unmasked and fed to the decoder, so only the decompressed message is
 * ever whole in memory; the message limit applies to it (1009), and data the decoder rejects is
 * 1007. Its text is checked as UTF-8 once decompressed.
 */
final class FrameInput {

    /** The connection ended cleanly, between frames. */
    static final int END = 0;
    /** A whole message: {@link #message()}. */
    static final int MESSAGE = 1;
    /** A Ping: its payload is {@link #control()}, {@link #controlLength()} bytes. */
    static final int PING = 2;
    /** A Pong. */
    static final int PONG = 3;
    /** A Close: {@link #closeCode()} and {@link #closeReason()}. */
    static final int CLOSE = 4;

    static final int CONTINUATION = 0;
    static final int TEXT = 1;
    static final int BINARY = 2;
    static final int OP_CLOSE = 8;
    static final int OP_PING = 9;
    static final int OP_PONG = 10;

    /** RSV1 in a frame's first byte: a compressed message, with permessage-deflate. */
    private static final int RSV1 = 0x40;
    /** The most of a compressed frame read at a time; the chunk goes with the frame. */
    private static final int CHUNK = 16 * 1024;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final HttpInput in;
    private final int maxMessage;
    private final int maxFrame;
    private final Utf8Check utf8 = new Utf8Check();
    /** The decompressor, or null without permessage-deflate. */
    private final PerMessageDeflateDecoder decoder;
    /** The message under way is compressed. */
    private boolean compressed;
    /** Made at the first control frame: most WebSockets idle in turns never see one. */
    private byte[] control;
    private int controlLength;
    /** The opcode of the fragmented message under way, or 0 if none is. */
    private int fragmented;
    private byte[] gathered;
    private int gatheredLength;
    private Message message;
    private int closeCode;
    private String closeReason = "";

    /**
     * @param deflate permessage-deflate's agreement, or null if none
     */
    FrameInput(HttpInput in, int maxMessage, int maxFrame, PerMessageDeflateParameters deflate) {
        this.in = in;
        this.maxMessage = maxMessage;
        this.maxFrame = maxFrame;
        this.decoder = deflate == null ? null : deflate.newDecoder(maxMessage);
    }

    /**
     * Frees the decoder's native memory; no message is read after. From the reading thread, or
     * once none reads any more.
     */
    void close() {
        if (decoder != null) {
            decoder.close();
        }
    }

    /** @return the message {@link #next()} last returned {@link #MESSAGE} for */
    Message message() {
        Message m = message;
        message = null;
        return m;
    }

    /** @return the last Ping's payload, valid until the next call of {@link #next()} */
    byte[] control() {
        return control;
    }

    /** @return the last Ping's payload length */
    int controlLength() {
        return controlLength;
    }

    /** @return the last Close's code, {@link CloseCodes#NO_STATUS} if it had none */
    int closeCode() {
        return closeCode;
    }

    /** @return the last Close's reason, "" if none */
    String closeReason() {
        return closeReason;
    }

    /**
     * Reads frames until a whole message or a control frame.
     *
     * @return {@link #END}, {@link #MESSAGE}, {@link #PING}, {@link #PONG} or {@link #CLOSE}
     * @throws ProtocolError if the client broke the protocol
     * @throws EOFException  if the connection ended inside a frame or a fragmented message
     * @throws IOException   if the read failed or timed out
     */
    int next() throws IOException {
        // Bounded by the client: each pass reads one frame.
        while (true) {
            if (!ensure(2)) {
                if (fragmented != 0) {
                    throw new EOFException("the connection ended inside a fragmented message");
                }
                return END;
            }
            ByteBuffer v = in.unread();
            int p = v.position();
            int b0 = v.get(p) & 0xFF;
            int b1 = v.get(p + 1) & 0xFF;
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0F;
            int len7 = b1 & 0x7F;
            checkReservedBits(b0, opcode);
            if ((b1 & 0x80) == 0) {
                throw new ProtocolError(CloseCodes.PROTOCOL_ERROR, "a client frame was not masked");
            }
            checkOpcode(opcode, fin, len7);
            int headLength = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;
            if (!ensure(headLength)) {
                throw new EOFException("the connection ended inside a frame's head");
            }
            v = in.unread();
            p = v.position() + 2;
            long length = len7;
            if (len7 == 126) {
                length = v.getShort(p) & 0xFFFF;
                p += 2;
            } else if (len7 == 127) {
                length = v.getLong(p);
                p += 8;
                if (length < 0) {
                    throw new ProtocolError(CloseCodes.PROTOCOL_ERROR, "a 64-bit length with its top bit set");
                }
            }
            int mask = v.getInt(p);
            v.position(p + 4);
            in.consumedTo(v);
            if (opcode >= OP_CLOSE) {
                return controlFrame(opcode, (int) length, mask);
            }
            if (opcode != CONTINUATION) {
                compressed = (b0 & RSV1) != 0;
            }
            if (compressed ? compressedFrame(opcode, fin, length, mask) : dataFrame(opcode, fin, length, mask)) {
                return MESSAGE;
            }
        }
    }

    private void checkReservedBits(int b0, int opcode) throws ProtocolError {
        if ((b0 & 0x70) == 0) {
            return;
        }
        if ((b0 & 0x30) != 0 || decoder == null) {
            throw new ProtocolError(CloseCodes.PROTOCOL_ERROR, "reserved bits set with no extension agreed");
        }
        if (opcode != TEXT && opcode != BINARY) {
            throw new ProtocolError(CloseCodes.PROTOCOL_ERROR, "RSV1 on a frame other than a message's first");
        }
    }

    private void checkOpcode(int opcode, boolean fin, int len7) throws ProtocolError {
        switch (opcode) {
            case OP_CLOSE, OP_PING, OP_PONG -> {
                if (!fin) {
                    throw new ProtocolError(CloseCodes.PROTOCOL_ERROR, "a fragmented control frame");
                }
                if (len7 > 125) {
                    throw new ProtocolError(CloseCodes.PROTOCOL_ERROR, "a control frame over 125 bytes");
                }
            }
            case CONTINUATION -> {
                if (fragmented == 0) {
                    throw new ProtocolError(CloseCodes.PROTOCOL_ERROR, "a continuation frame with no message to continue");
                }
            }
            case TEXT, BINARY -> {
                if (fragmented != 0) {
                    throw new ProtocolError(CloseCodes.PROTOCOL_ERROR, "a new message inside a fragmented one");
                }
            }
            default -> throw new ProtocolError(CloseCodes.PROTOCOL_ERROR, "unknown opcode " + opcode);
        }
    }

    /** @return true if the message is whole */
    private boolean dataFrame(int opcode, boolean fin, long length, int mask) throws IOException {
        if (length > maxFrame) {
            throw new ProtocolError(CloseCodes.TOO_BIG, "a frame of " + length + " bytes, over " + maxFrame);
        }
        long total = (opcode == CONTINUATION ? gatheredLength : 0) + length;
        if (total > maxMessage) {
            throw new ProtocolError(CloseCodes.TOO_BIG, "a message of over " + maxMessage + " bytes");
        }
        int n = (int) length;
        int type = opcode == CONTINUATION ? fragmented : opcode;
        if (opcode != CONTINUATION) {
            utf8.reset();
        }
        byte[] target;
        int at;
        if (opcode != CONTINUATION && fin) {
            target = new byte[n];
            at = 0;
        } else {
            if (opcode != CONTINUATION) {
                fragmented = opcode;
                gatheredLength = 0;
            }
            target = room((int) total);
            at = gatheredLength;
        }
        readFully(target, at, n);
        unmask(target, at, n, mask);
        if (type == TEXT && (!utf8.feed(target, at, n) || fin && !utf8.complete())) {
            throw new ProtocolError(CloseCodes.INVALID_DATA, "a text message that is not UTF-8");
        }
        if (!fin) {
            gatheredLength += n;
            return false;
        }
        int size = at + n;
        if (target == gathered) {
            gathered = null;
            gatheredLength = 0;
            fragmented = 0;
        }
        message = type == TEXT ? new Message.Text(new String(target, 0, size, StandardCharsets.UTF_8))
                : new Message.Binary(size == target.length ? target : Arrays.copyOf(target, size));
        return true;
    }

    /**
     * A frame of a compressed message: its payload goes through the decoder a chunk at a time.
     *
     * @return true if the message is whole
     */
    private boolean compressedFrame(int opcode, boolean fin, long length, int mask) throws IOException {
        if (length > maxFrame) {
            throw new ProtocolError(CloseCodes.TOO_BIG, "a frame of " + length + " bytes, over " + maxFrame);
        }
        int type = opcode == CONTINUATION ? fragmented : opcode;
        fragmented = fin ? 0 : type;
        int n = (int) length;
        try {
            if (n > 0) {
                byte[] chunk = new byte[Math.min(n, CHUNK)];
                // Bounded by n: each pass reads a chunk or throws.
                for (int done = 0; done < n; ) {
                    int k = Math.min(chunk.length, n - done);
                    readFully(chunk, 0, k);
                    // The mask goes on from where the last chunk left it.
                    unmask(chunk, 0, k, Integer.rotateLeft(mask, 8 * (done & 3)));
                    decoder.add(ByteBuffer.wrap(chunk, 0, k));
                    done += k;
                }
            }
            if (!fin) {
                return false;
            }
            byte[] whole = decoder.finish();
            if (type == TEXT) {
                utf8.reset();
                if (!utf8.feed(whole, 0, whole.length) || !utf8.complete()) {
                    throw new ProtocolError(CloseCodes.INVALID_DATA, "a text message that is not UTF-8");
                }
                message = new Message.Text(new String(whole, StandardCharsets.UTF_8));
            } else {
                message = new Message.Binary(whole);
            }
            return true;
        } catch (PerMessageDeflateException e) {
            throw new ProtocolError(e.closeCode(), e.getMessage());
        }
    }

    /** @return the gathering array, with room for {@code total} bytes (at most the message limit) */
    private byte[] room(int total) {
        if (gathered == null || gathered.length < total) {
            int grown = gathered == null ? total : (int) Math.min(maxMessage, Math.max(total, 2L * gathered.length));
            gathered = gathered == null ? new byte[grown] : Arrays.copyOf(gathered, grown);
        }
        return gathered;
    }

    private int controlFrame(int opcode, int n, int mask) throws IOException {
        if (control == null) {
            control = new byte[125];
        }
        readFully(control, 0, n);
        unmask(control, 0, n, mask);
        controlLength = n;
        if (opcode == OP_PING) {
            return PING;
        }
        if (opcode == OP_PONG) {
            return PONG;
        }
        if (n == 1) {
            throw new ProtocolError(CloseCodes.PROTOCOL_ERROR, "a Close with a 1-byte payload");
        }
        if (n == 0) {
            closeCode = CloseCodes.NO_STATUS;
            closeReason = "";
            return CLOSE;
        }
        int code = ((control[0] & 0xFF) << 8) | (control[1] & 0xFF);
        if (!CloseCodes.sendable(code)) {
            throw new ProtocolError(CloseCodes.PROTOCOL_ERROR, "close code " + code + " may not be sent");
        }
        Utf8Check reason = new Utf8Check();
        if (!reason.feed(control, 2, n - 2) || !reason.complete()) {
            throw new ProtocolError(CloseCodes.INVALID_DATA, "a close reason that is not UTF-8");
        }
        closeCode = code;
        closeReason = new String(control, 2, n - 2, StandardCharsets.UTF_8);
        return CLOSE;
    }

    /**
     * @return true once {@code n} bytes are buffered; false if the connection ended with none
     * @throws EOFException if it ended with fewer than {@code n} but some
     */
    private boolean ensure(int n) throws IOException {
        // Bounded by n (at most a frame head, far less than the buffer): each pass reads a byte or more.
        while (in.buffered() < n) {
            if (!in.fill()) {
                if (in.buffered() == 0) {
                    return false;
                }
                throw new EOFException("the connection ended inside a frame's head");
            }
        }
        return true;
    }

    private void readFully(byte[] b, int off, int len) throws IOException {
        // Bounded by len: each pass reads a byte or more, or throws.
        while (len > 0) {
            int n = in.read(b, off, len);
            if (n < 0) {
                throw new EOFException("the connection ended inside a frame");
            }
            off += n;
            len -= n;
        }
    }

    /** XORs the payload with the client's mask, eight bytes at a time while it can. */
    static void unmask(byte[] b, int off, int len, int mask) {
        long wide = (mask & 0xFFFFFFFFL) | ((long) mask << 32);
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            LONGS.set(b, i, (long) LONGS.get(b, i) ^ wide);
        }
        for (int j = i - off; i < end; i++, j++) {
            b[i] ^= (byte) (mask >>> (24 - 8 * (j & 3)));
        }
    }
}
