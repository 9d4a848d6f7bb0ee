package io.loomux.http.internal.ws;

import io.loomux.http.internal.Transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes the server's frames: each message whole, as one unmasked frame with FIN set, its head
 * and payload in one gathering write, under one lock, so that any thread may send and frames of
 * two messages never interleave. After the Close, nothing more goes out.
 */
final class FrameOutput {

    private final Transport transport;
    private final ReentrantLock lock = new ReentrantLock();
    /** The frame head, reused: the lock's holder writes it. */
    private final ByteBuffer head = ByteBuffer.allocate(10);
    private final ByteBuffer[] pair = new ByteBuffer[2];
    /** Written under the lock; read without it by {@link #closeSent()}. */
    private volatile boolean closeSent;

    FrameOutput(Transport transport) {
        this.transport = transport;
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
            if (closeSent) {
                return false;
            }
            write(opcode, b, off, len);
            return true;
        } finally {
            lock.unlock();
        }
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
                write(FrameInput.OP_CLOSE, reason, 0, 0);
                return true;
            }
            byte[] payload = new byte[2 + reason.length];
            payload[0] = (byte) (code >>> 8);
            payload[1] = (byte) code;
            System.arraycopy(reason, 0, payload, 2, reason.length);
            write(FrameInput.OP_CLOSE, payload, 0, payload.length);
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void write(int opcode, byte[] b, int off, int len) throws IOException {
        head.clear();
        head.put((byte) (0x80 | opcode));
        if (len < 126) {
            head.put((byte) len);
        } else if (len <= 0xFFFF) {
            head.put((byte) 126).putShort((short) len);
        } else {
            head.put((byte) 127).putLong(len);
        }
        head.flip();
        pair[0] = head;
        pair[1] = ByteBuffer.wrap(b, off, len);
        try {
            transport.write(pair);
        } finally {
            pair[1] = null;
        }
    }
}
