package io.loomux.http.internal.ws;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses the messages a client sends under permessage-deflate (RFC 7692 section 7.2.2):
 * the payload of every frame of the message, then {@code 00 00 ff ff} appended, read as raw
 * DEFLATE, all with one window kept from message to message unless the client promised
 * {@code client_no_context_takeover}.
 *
 * <p>Frames are fed as they arrive ({@link #add}), so the compressed message is never assembled;
 * only its decompressed form grows, and never past the size limit: the inflater is given room for
 * one byte more than the limit, so a small message that would inflate to gigabytes costs the
 * limit and a few bytes of its input, not its whole expansion. Over the limit is
 * {@linkplain PerMessageDeflateException#tooBig() too big}; anything the inflater rejects is bad
 * data. After either, the decoder's state is undefined and the connection must close.
 *
 * <p>One decoder per connection, used by the one thread that receives. With context takeover the
 * connection's own {@link Inflater} is made at the first compressed message and {@link #close()}
 * frees its native memory; without, one is borrowed from {@link PerMessageDeflatePool} for each
 * message, and nothing is held between messages.
 */
final class PerMessageDeflateDecoder {

    /** What section 7.2.2 appends to every message: the end of an empty stored block. */
    private static final byte[] FLUSH_TAIL = {0, 0, (byte) 0xff, (byte) 0xff};
    /** The largest window DEFLATE has: as much past output as a back reference can reach. */
    private static final int WINDOW = 32 * 1024;
    /** The first size of the output buffer kept from message to message. */
    private static final int INITIAL_OUTPUT = 8 * 1024;
    /** The first size of an output buffer made for one message. */
    private static final int MIN_OUTPUT = 256;
    /** The largest output buffer kept between messages; see {@link PerMessageDeflateEncoder}. */
    private static final int MAX_RETAINED_SCRATCH = 64 * 1024;
    /** The largest array the VM will surely make. */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final boolean noContextTakeover;
    private final int maxMessageSize;
    /** The size the output may grow to: one byte over the limit, to see that it is over. */
    private final int outputCap;
    private final ByteBuffer tail = ByteBuffer.wrap(FLUSH_TAIL);
    private Inflater inflater;
    private byte[] scratch;
    /** The output of the message being decompressed: the scratch, or a bigger array for it alone. */
    private byte[] out;
    private int length;
    /** What the inflater is reading, kept to be fed again if a final block ends mid-input. */
    private ByteBuffer input;
    /**
     * True where the inflater is between DEFLATE streams or messages with nothing of the message
     * fed since: appending the flush tail there would start a stored block that never ends.
     */
    private boolean atBoundary = true;
    private boolean closed;

    /**
     * @param noContextTakeover whether each message starts with an empty window
     *        ({@code client_no_context_takeover} agreed)
     * @param maxMessageSize the most bytes one message may decompress to, at least 0
     */
    PerMessageDeflateDecoder(boolean noContextTakeover, int maxMessageSize) {
        if (maxMessageSize < 0) {
            throw new IllegalArgumentException("maxMessageSize < 0: " + maxMessageSize);
        }
        this.noContextTakeover = noContextTakeover;
        this.maxMessageSize = maxMessageSize;
        this.outputCap = (int) Math.min(MAX_ARRAY, maxMessageSize + 1L);
    }

    /**
     * Decompresses one whole message that came in one frame.
     *
     * @param payload the frame's (unmasked) payload; it is consumed
     * @return the message's bytes, an array of their exact length
     * @throws PerMessageDeflateException if the message is too big or its data invalid
     */
    byte[] decompress(ByteBuffer payload) throws PerMessageDeflateException {
        add(payload);
        return finish();
    }

    /**
     * Decompresses the payload of the next frame of the current message.
     *
     * @param fragment the frame's (unmasked) payload; it is consumed, unless an exception stops
     *        decompression first
     * @throws PerMessageDeflateException if the message is already too big or its data invalid
     * @throws IllegalStateException if the decoder is closed
     */
    void add(ByteBuffer fragment) throws PerMessageDeflateException {
        open();
        if (!fragment.hasRemaining()) {
            return;
        }
        // Compressed data rarely inflates to less than its own size: make that much room at once.
        if (out.length - length < fragment.remaining()) {
            grow(length + (long) fragment.remaining());
        }
        if (inflater == null) {
            inflater = noContextTakeover ? PerMessageDeflatePool.inflater() : new Inflater(true);
        }
        atBoundary = false;
        input = fragment;
        inflater.setInput(fragment);
        drain();
    }

    /**
     * Ends the current message: appends the flush tail and returns all the message decompressed
     * to. The next {@link #add} begins the next message.
     *
     * @return the message's bytes, an array of their exact length
     * @throws PerMessageDeflateException if the message is too big or its data invalid
     * @throws IllegalStateException if the decoder is closed
     */
    byte[] finish() throws PerMessageDeflateException {
        open();
        // At a boundary the message was empty or ended with a final block: the tail would open a
        // stored block instead of closing one, so it is left out (lenient on peers that do so).
        if (!atBoundary) {
            tail.clear();
            input = tail;
            inflater.setInput(tail);
            drain();
        }
        byte[] message = out.length == length && out != scratch ? out : Arrays.copyOf(out, length);
        if (noContextTakeover && inflater != null) {
            PerMessageDeflatePool.release(inflater);
            inflater = null;
        }
        out = scratch;
        length = 0;
        input = null;
        atBoundary = true;
        return message;
    }

    /**
     * Frees the inflater's native memory. Call it when the connection closes, from the receiving
     * thread or once it receives no more; later calls to {@link #add} and {@link #finish} throw.
     * Idempotent.
     */
    void close() {
        closed = true;
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
        scratch = null;
        out = null;
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("permessage-deflate decoder closed");
        }
        if (out == null) {
            // Without context takeover nothing is kept between messages, not even a buffer.
            scratch = noContextTakeover ? new byte[0] : new byte[Math.min(INITIAL_OUTPUT, outputCap)];
            out = scratch;
        }
    }

    /** Inflates all the input there is, stopping one byte past the limit at most. */
    private void drain() throws PerMessageDeflateException {
        while (true) {
            if (length == out.length) {
                grow(out.length * 2L);
            }
            int room = out.length - length;
            int inflated;
            try {
                inflated = inflater.inflate(out, length, room);
            } catch (DataFormatException e) {
                throw PerMessageDeflateException.badData(e);
            }
            length += inflated;
            if (length > maxMessageSize) {
                throw PerMessageDeflateException.tooBig(maxMessageSize);
            }
            if (inflater.finished()) {
                restartAfterFinalBlock();
                if (!input.hasRemaining()) {
                    atBoundary = true;
                    return;
                }
            } else if (inflated < room) {
                return; // all the input there is has been read and all it yields written
            }
        }
    }

    /**
     * A block with BFINAL set ends a DEFLATE stream, and zlib reads nothing after it, yet RFC 7692
     * lets a sender end a message that way and go on (section 7.2.3.4): what follows is a new
     * stream. It starts with this message's last 32 KiB as its dictionary so that back
     * references across the boundary still resolve; references further back, into earlier
     * messages, are lost, which only a sender that mixes final blocks with context takeover and
     * short messages would notice.
     */
    private void restartAfterFinalBlock() throws PerMessageDeflateException {
        if (inflater.getBytesRead() == 0) {
            // A stream cannot end without reading a byte; guards the caller's loop all the same.
            throw PerMessageDeflateException.badData(null);
        }
        inflater.reset();
        int dictionary = Math.min(length, WINDOW);
        if (dictionary > 0) {
            inflater.setDictionary(out, length - dictionary, dictionary);
        }
        if (input.hasRemaining()) {
            inflater.setInput(input);
        }
    }

    private void grow(long wanted) throws PerMessageDeflateException {
        if (length >= outputCap) {
            throw PerMessageDeflateException.tooBig(maxMessageSize);
        }
        int size = (int) Math.min(outputCap, Math.max(wanted, noContextTakeover ? MIN_OUTPUT : INITIAL_OUTPUT));
        if (size <= out.length) {
            return;
        }
        out = Arrays.copyOf(out, size);
        if (!noContextTakeover && size <= MAX_RETAINED_SCRATCH) {
            scratch = out;
        }
    }
}
