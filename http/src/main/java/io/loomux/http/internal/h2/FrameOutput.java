package io.loomux.http.internal.h2;

import io.loomux.http.internal.BufferPool;
import io.loomux.http.internal.Transport;
import io.loomux.http.internal.hpack.HpackEncoder;
import io.loomux.http.internal.hpack.HpackOutput;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What one HTTP/2 connection sends, from every thread that sends it: the reader (acknowledgements,
 * window updates, resets, GOAWAY) and each stream's handler (HEADERS, DATA). Whoever holds the
 * lock writes; there is no writer thread, so a response costs no hand-off. Frames gather in one
 * buffer, and a write to the socket happens when a sender asks for a flush or the buffer is full,
 * so frames of several streams leave in one write. The buffer comes from the server's pool when
 * the first frame is gathered and goes back once a write has emptied it: an idle connection holds
 * none.
 *
 * <p>Header blocks are encoded under the lock: HPACK requires the peer to decode blocks in the
 * order they were encoded, which is the order they are written. After a failed write every
 * later one fails at once: the connection is going.
 */
final class FrameOutput {

    /** The most DATA one frame carries, whatever larger frames the peer accepts. */
    static final int MAX_DATA = 16_384;

    private final ReentrantLock lock = new ReentrantLock();
    private final Transport transport;
    private final BufferPool pool;
    /**
     * Frames not yet written, or null while there are none; guarded by lock. Room for a full
     * DATA frame and a response head.
     */
    private ByteBuffer buf;
    private final HpackEncoder encoder = new HpackEncoder();
    private final HpackOutput block = new HpackOutput(512);
    /** The peer's SETTINGS_MAX_FRAME_SIZE; guarded by lock. */
    private int peerMaxFrameSize = Settings.MIN_MAX_FRAME_SIZE;
    private IOException failed;

    /** @param pool lends the buffer frames gather in: at least a DATA frame of {@link #MAX_DATA} bytes */
    FrameOutput(Transport transport, BufferPool pool) {
        if (pool.size() < FrameWriter.HEADER_LENGTH + MAX_DATA) {
            throw new IllegalArgumentException("buffers of " + pool.size() + " bytes cannot hold a DATA frame");
        }
        this.transport = transport;
        this.pool = pool;
    }

    /** @return whether it holds a buffer of the pool now (tests look) */
    boolean holdsBuffer() {
        lock.lock();
        try {
            return buf != null;
        } finally {
            lock.unlock();
        }
    }

    /** @return the most DATA bytes one frame may carry now */
    int maxData() {
        lock.lock();
        try {
            return Math.min(peerMaxFrameSize, MAX_DATA);
        } finally {
            lock.unlock();
        }
    }

    /** Takes the peer's settings that shape what is sent: frame size and HPACK table size. */
    void peerSettings(Settings peer) {
        lock.lock();
        try {
            peerMaxFrameSize = peer.maxFrameSize();
            encoder.setMaxTableSize((int) Math.min(peer.headerTableSize(), Integer.MAX_VALUE));
        } finally {
            lock.unlock();
        }
    }

    void settings(Settings ours) throws IOException {
        lock.lock();
        try {
            room(FrameWriter.HEADER_LENGTH + ours.encodedLength());
            FrameWriter.settings(buf, ours);
        } finally {
            lock.unlock();
        }
    }

    void settingsAck() throws IOException {
        lock.lock();
        try {
            room(FrameWriter.HEADER_LENGTH);
            FrameWriter.settingsAck(buf);
            flushLocked();
        } finally {
            lock.unlock();
        }
    }

    void pingAck(long data) throws IOException {
        lock.lock();
        try {
            room(FrameWriter.HEADER_LENGTH + 8);
            FrameWriter.ping(buf, data, true);
            flushLocked();
        } finally {
            lock.unlock();
        }
    }

    /** @param flush whether to write now; else it goes with the next flush */
    void windowUpdate(int streamId, int increment, boolean flush) throws IOException {
        lock.lock();
        try {
            room(FrameWriter.HEADER_LENGTH + 4);
            FrameWriter.windowUpdate(buf, streamId, increment);
            if (flush) {
                flushLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    void rstStream(int streamId, ErrorCode code) throws IOException {
        lock.lock();
        try {
            room(FrameWriter.HEADER_LENGTH + 4);
            FrameWriter.rstStream(buf, streamId, code);
            flushLocked();
        } finally {
            lock.unlock();
        }
    }

    void goAway(int lastStreamId, ErrorCode code, String debug) throws IOException {
        byte[] text = debug == null ? new byte[0] : debug.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        if (text.length > 256) {
            text = java.util.Arrays.copyOf(text, 256);
        }
        lock.lock();
        try {
            room(FrameWriter.HEADER_LENGTH + 8 + text.length);
            FrameWriter.goAway(buf, lastStreamId, code, text);
            flushLocked();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A response head: {@code :status} and the fields, whose names are lower case already and
     * fit HTTP/2 (see {@link ResponseFields}), encoded and framed as HEADERS (and CONTINUATION).
     *
     * @param fields    the fields after {@code :status}: a name, its value, the next name, and so on
     * @param endStream whether no DATA follows
     * @param flush     whether to write now
     */
    void headers(int streamId, int status, List<String> fields, boolean endStream, boolean flush)
            throws IOException {
        lock.lock();
        try {
            block.reset();
            encoder.startBlock(block);
            encoder.status(block, status);
            for (int i = 0; i < fields.size(); i += 2) {
                encoder.field(block, fields.get(i), fields.get(i + 1));
            }
            ByteBuffer b = block.asByteBuffer();
            int need = FrameWriter.headerBlockLength(b.remaining(), peerMaxFrameSize);
            if (need > pool.size()) {
                // A head larger than the buffer: out on its own, in a buffer made for it.
                flushLocked();
                ByteBuffer big = ByteBuffer.allocate(need);
                FrameWriter.headerBlock(big, streamId, b, endStream, peerMaxFrameSize);
                write(big.flip());
            } else {
                room(need);
                FrameWriter.headerBlock(buf, streamId, b, endStream, peerMaxFrameSize);
            }
            if (flush) {
                flushLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * One DATA frame.
     *
     * @param len at most {@link #maxData()}; the caller took it out of the flow-control windows
     */
    void data(int streamId, byte[] b, int off, int len, boolean endStream, boolean flush) throws IOException {
        lock.lock();
        try {
            room(FrameWriter.HEADER_LENGTH + len);
            FrameWriter.dataHeader(buf, streamId, len, endStream);
            buf.put(b, off, len);
            if (flush) {
                flushLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Writes what is gathered. */
    void flush() throws IOException {
        lock.lock();
        try {
            flushLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Makes room for {@code n} bytes, writing what is gathered if they would not fit. */
    private void room(int n) throws IOException {
        if (failed != null) {
            throw new IOException("the connection's output failed", failed);
        }
        if (buf != null && buf.remaining() < n) {
            flushLocked();
        }
        if (buf == null) {
            buf = pool.take();
        }
        if (buf.remaining() < n) {
            throw new IllegalStateException("a frame of " + n + " bytes does not fit the output buffer");
        }
    }

    private void flushLocked() throws IOException {
        if (failed != null) {
            throw new IOException("the connection's output failed", failed);
        }
        if (buf == null) {
            return;
        }
        ByteBuffer b = buf;
        buf = null;
        b.flip();
        try {
            write(b);
        } finally {
            b.clear();
            // Back only after a whole write: a failed one may have left it with the transport.
            if (failed == null) {
                pool.give(b);
            }
        }
    }

    private void write(ByteBuffer b) throws IOException {
        try {
            transport.write(b);
        } catch (IOException | RuntimeException e) {
            failed = e instanceof IOException io ? io : new IOException(e);
            throw e;
        }
    }
}
