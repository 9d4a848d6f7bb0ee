package io.loomux.http.internal.ws;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * Compresses the messages a server sends under permessage-deflate (RFC 7692 section 7.2.1): raw
 * DEFLATE, each message ended by a sync flush whose closing empty stored block
 * {@code 00 00 ff ff} is cut off, since the receiver appends it again.
 *
 * <p>One encoder per connection, used under the connection's send lock: with context takeover a
 * message may point back into earlier ones, so messages must be compressed in the order they go
 * out on the wire. The connection's own {@link Deflater} (about 256 KiB of native memory) is made
 * at the first message, not before, so a connection that never sends pays nothing;
 * {@link #close()} frees it. Without context takeover the encoder borrows a deflater from
 * {@link PerMessageDeflatePool} for each message and holds nothing between messages.
 */
final class PerMessageDeflateEncoder {

    /** The tail a sync flush ends with, which section 7.2.1 strips. */
    private static final int FLUSH_TAIL = 4;
    /** The first size of the output buffer: room for most messages' compressed form. */
    private static final int INITIAL_SCRATCH = 8 * 1024;
    /**
     * The largest output buffer kept between messages; bigger ones are made for the one message,
     * so an idle connection does not hold the memory of the largest message it ever sent.
     */
    private static final int MAX_RETAINED_SCRATCH = 64 * 1024;
    /**
     * Up to this size a message's compressed form is given room for the whole message and
     * {@link #SMALL_MESSAGE_SLACK} more, enough even when it does not compress at all.
     */
    private static final int SMALL_MESSAGE = 4096;
    /** Room for DEFLATE's block headers and the flush on an incompressible small message. */
    private static final int SMALL_MESSAGE_SLACK = 64;

    private final boolean noContextTakeover;
    private Deflater deflater;
    private byte[] scratch;
    private boolean closed;

    /**
     * @param noContextTakeover whether each message is compressed with an empty window
     *        ({@code server_no_context_takeover} agreed)
     */
    PerMessageDeflateEncoder(boolean noContextTakeover) {
        this.noContextTakeover = noContextTakeover;
    }

    /**
     * Compresses one whole message.
     *
     * @param payload the message's bytes, from its position to its limit; it is consumed (its
     *        position ends at its limit)
     * @return the payload to send with RSV1 set, from position 0 to its limit; it may be a view of
     *         this encoder's buffer, valid until the next call
     * @throws IllegalStateException if the encoder is closed
     */
    ByteBuffer compress(ByteBuffer payload) {
        if (closed) {
            throw new IllegalStateException("permessage-deflate encoder closed");
        }
        if (!payload.hasRemaining()) {
            // One byte: the header of a non-final stored block, which the receiver's 00 00 ff ff
            // completes into an empty block (section 7.2.3.6). Without touching the deflater:
            // a second sync flush with no input in between yields nothing at all from zlib.
            return ByteBuffer.wrap(new byte[1]);
        }
        if (noContextTakeover) {
            // Nothing survives the message: a shared deflater, and an output buffer that goes
            // with the message, so that between messages the connection holds nothing at all.
            int size = payload.remaining();
            Deflater shared = PerMessageDeflatePool.deflater();
            try {
                return deflate(shared, payload, new byte[size <= SMALL_MESSAGE ? size + SMALL_MESSAGE_SLACK : size / 4]);
            } finally {
                PerMessageDeflatePool.release(shared);
            }
        }
        if (deflater == null) {
            deflater = PerMessageDeflatePool.newDeflater();
            scratch = new byte[INITIAL_SCRATCH];
        }
        // Big messages start with a guess of a quarter of their size instead of doubling from the
        // small buffer: text compresses to about that, and fewer copies are made on the way.
        int guess = payload.remaining() / 4;
        return deflate(deflater, payload, guess > scratch.length ? new byte[guess] : scratch);
    }

    /**
     * @param out where to begin writing; grown (and kept as the scratch, if small) when too small
     * @return the compressed message without its flush tail
     */
    private ByteBuffer deflate(Deflater deflater, ByteBuffer payload, byte[] out) {
        deflater.setInput(payload);
        int length = 0;
        while (true) {
            length += deflater.deflate(out, length, out.length - length, Deflater.SYNC_FLUSH);
            if (length < out.length) {
                break; // room left over: the flush is complete (Deflater.deflate's contract)
            }
            out = Arrays.copyOf(out, out.length * 2);
            if (!noContextTakeover && out.length <= MAX_RETAINED_SCRATCH) {
                scratch = out;
            }
        }
        if (length < FLUSH_TAIL || out[length - 4] != 0 || out[length - 3] != 0
                || out[length - 2] != (byte) 0xff || out[length - 1] != (byte) 0xff) {
            throw new IllegalStateException("sync flush did not end with an empty stored block");
        }
        return ByteBuffer.wrap(out, 0, length - FLUSH_TAIL);
    }

    /**
     * Frees the deflater's native memory. Call it when the connection closes, under the send lock
     * or once nothing sends any more; later calls to {@link #compress} throw. Idempotent.
     */
    void close() {
        closed = true;
        if (deflater != null) {
            deflater.end();
            deflater = null;
        }
        scratch = null;
    }
}
