package io.loomux.http.internal.ws;

import io.loomux.http.internal.Transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes the server's frames: each message whole, as one unmasked frame with FIN set, its head
 * and payload in one gathering write, under one lock, so that any thread may send and frames of
 * two messages never interleave. After the Close, nothing more goes out.
 *
 * <p>With permessage-deflate agreed, each data message is compressed under the lock (with context
 * takeover, messages must be compressed in the order they go out) and leaves with RSV1 set, but
 * for small ones when each message starts with an empty window: under {@link #SMALL} bytes they
 * would not shrink. The encoder is closed once nothing more may be sent: after the Close, or
 * when the connection ends without one ({@link #dispose()}).
 */
final class FrameOutput {

    /**
     * Below this, a message compressed with an empty window comes out as big or bigger: DEFLATE's
     * fixed codes spend 8 or 9 bits a literal, plus a block head, and a short message has no
     * repeats to win that back. Measured on JSON-like text: 24 bytes came out at 104%, 32 bytes
     * at 99%, 64 at 87%. With the window of earlier messages even 8 bytes halve, so with context
     * takeover every message is compressed.
     */
    static final int SMALL = 32;

    /** The first byte's bit that marks a compressed message (RFC 7692 section 6). */
    private static final int RSV1 = 0x40;

    private final Transport transport;
    /** The compressor, or null without permessage-deflate. Used under the lock. */
    private final PerMessageDeflateEncoder encoder;
    /** Shorter messages go uncompressed: {@link #SMALL} with an empty window each time, else 0. */
    private final int leaveUncompressedBelow;
    private final ReentrantLock lock = new ReentrantLock();
    /** The frame head, reused: the lock's holder writes it. */
    private final ByteBuffer head = ByteBuffer.allocate(10);
    private final ByteBuffer[] pair = new ByteBuffer[2];
    /** Written under the lock; read without it by {@link #closeSent()}. */
    private volatile boolean closeSent;
    /** The connection ended: the encoder is closed by whoever holds the lock next, or now. */
    private volatile boolean disposed;

    /**
     * @param deflate permessage-deflate's agreement, or null if none
     */
    FrameOutput(Transport transport, PerMessageDeflateParameters deflate) {
        this.transport = transport;
        this.encoder = deflate == null ? null : deflate.newEncoder();
        this.leaveUncompressedBelow = deflate != null && deflate.serverNoContextTakeover() ? SMALL : 0;
    }

    /** @return whether the Close went (or is going) out */
    boolean closeSent() {
        return closeSent;
    }

    /**
     * Sends a data frame or a Ping.
     *
     * @return false if the Close went out before: nothing was sent
     * @throws IOException if the write failed; a frame may be cut short, so the caller closes
     */
    boolean send(int opcode, byte[] b, int off, int len) throws IOException {
        lock.lock();
        try {
            if (closeSent || disposed) {
                return false;
            }
            if (encoder != null && opcode < FrameInput.OP_CLOSE && len >= leaveUncompressedBelow) {
                write(opcode | RSV1, encoder.compress(ByteBuffer.wrap(b, off, len)));
            } else {
                write(opcode, ByteBuffer.wrap(b, off, len));
            }
            return true;
        } finally {
            unlock();
        }
    }

    /**
     * The connection ended, with or without a Close: nothing more is sent, and the encoder's
     * native memory is freed, now or by the sender that holds the lock.
     */
    void dispose() {
        disposed = true;
        if (lock.tryLock()) {
            unlock();
        }
    }

    /**
     * Unlocks, closing the encoder first once nothing more may be sent. A {@link #dispose()} that
     * found the lock taken set its flag first, so the holder sees it here.
     */
    private void unlock() {
        if (encoder != null && (closeSent || disposed)) {
            encoder.close();
        }
        lock.unlock();
    }

    /** Answers a Ping, unless the Close went out (then no frame may follow it). */
    void pong(byte[] payload, int len) throws IOException {
        send(FrameInput.OP_PONG, payload, 0, len);
    }

    /**
     * Sends the Close, once.
     *
     * @param code   the code, or -1 for a Close with no payload
     * @param reason the reason in UTF-8, at most 123 bytes
     * @return false if a Close went out before: nothing was sent
     * @throws IOException if the write failed
     */
    boolean close(int code, byte[] reason) throws IOException {
        lock.lock();
        try {
            if (closeSent) {
                return false;
            }
            closeSent = true;
            if (code < 0) {
                write(FrameInput.OP_CLOSE, ByteBuffer.wrap(reason, 0, 0));
                return true;
            }
            byte[] payload = new byte[2 + reason.length];
            payload[0] = (byte) (code >>> 8);
            payload[1] = (byte) code;
            System.arraycopy(reason, 0, payload, 2, reason.length);
            write(FrameInput.OP_CLOSE, ByteBuffer.wrap(payload));
            return true;
        } finally {
            unlock();
        }
    }

    /** @param first the frame's first byte but FIN: the opcode, and RSV1 for a compressed message */
    private void write(int first, ByteBuffer payload) throws IOException {
        int len = payload.remaining();
        head.clear();
        head.put((byte) (0x80 | first));
        if (len < 126) {
            head.put((byte) len);
        } else if (len <= 0xFFFF) {
            head.put((byte) 126).putShort((short) len);
        } else {
            head.put((byte) 127).putLong(len);
        }
        head.flip();
        pair[0] = head;
        pair[1] = payload;
        try {
            transport.write(pair);
        } finally {
            pair[1] = null;
        }
    }
}
