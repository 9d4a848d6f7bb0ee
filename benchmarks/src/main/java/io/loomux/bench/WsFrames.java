package io.loomux.bench;

import java.nio.ByteBuffer;

/**
 * The client's side of RFC 6455 framing for the WebSocket loads ({@link WsEchoLoad},
 * {@link IdleClients} {@code --ws}): whole frames, always masked, as a client must send them.
 */
final class WsFrames {

    /** Opcodes (RFC 6455 §5.2). */
    static final int CONTINUATION = 0x0, TEXT = 0x1, BINARY = 0x2, CLOSE = 0x8, PING = 0x9, PONG = 0xA;
    /** The FIN bit of a frame's first byte. */
    static final int FIN = 0x80;
    /** The most a client frame's header takes: 2 bytes, a 64-bit length and the masking key. */
    static final int MAX_CLIENT_HEADER = 14;
    /** The most a control frame's payload may be (RFC 6455 §5.5). */
    static final int MAX_CONTROL_PAYLOAD = 125;
    /** Normal closure (RFC 6455 §7.4.1). */
    static final int NORMAL_CLOSURE = 1000;

    private WsFrames() {
    }

    /** The size of a whole client frame (header and masking key included) carrying {@code payload} bytes. */
    static int clientFrameLength(int payload) {
        return payload + 6 + (payload < 126 ? 0 : payload <= 0xFFFF ? 2 : 8);
    }

    /**
     * Puts one final (FIN) client frame into {@code dst}: its header, the masking key and the
     * payload, the remaining bytes of {@code payload} (whose position is left as it was), masked.
     *
     * @param dst     where the frame goes, with room for {@link #clientFrameLength} bytes
     * @param opcode  the frame's opcode
     * @param payload the bytes to carry, from its position to its limit
     * @param mask    the masking key, big-endian (its first byte masks the first payload byte)
     */
    static void putClientFrame(ByteBuffer dst, int opcode, ByteBuffer payload, int mask) {
        int n = payload.remaining();
        dst.put((byte) (FIN | opcode));
        if (n < 126) {
            dst.put((byte) (0x80 | n));
        } else if (n <= 0xFFFF) {
            dst.put((byte) (0x80 | 126)).putShort((short) n);
        } else {
            dst.put((byte) (0x80 | 127)).putLong(n);
        }
        dst.putInt(mask);
        int src = payload.position();
        int at = dst.position();
        // Eight bytes at a time: the key repeats every four, so twice over fills a long.
        long mask8 = (mask & 0xFFFFFFFFL) << 32 | (mask & 0xFFFFFFFFL);
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            dst.putLong(at + i, payload.getLong(src + i) ^ mask8);
        }
        for (; i < n; i++) {
            dst.put(at + i, (byte) (payload.get(src + i) ^ (mask >>> (24 - 8 * (i & 3)))));
        }
        dst.position(at + n);
    }

    /** One final client frame of {@code payload}, masked with {@code mask}, as an array. */
    static byte[] clientFrame(int opcode, byte[] payload, int mask) {
        ByteBuffer frame = ByteBuffer.allocate(clientFrameLength(payload.length));
        putClientFrame(frame, opcode, ByteBuffer.wrap(payload), mask);
        return frame.array();
    }

    /** The payload of a close frame: the code, big-endian, with no reason. */
    static ByteBuffer closePayload(int code) {
        return ByteBuffer.allocate(2).putShort(0, (short) code);
    }
}
