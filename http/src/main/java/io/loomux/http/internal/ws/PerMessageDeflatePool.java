package io.loomux.http.internal.ws;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Idle deflaters and inflaters shared by the connections that keep no window between messages.
 *
 * <p>A {@link Deflater} holds about 256 KiB of native memory and an {@link Inflater} about 40 KiB
 * (zlib's own figures for a 15-bit window and memory level 8), for as long as it lives. With
 * context takeover that state is the connection's and must stay. Without it, nothing survives a
 * message, so a connection needs one only while it compresses or decompresses: borrowed from here
 * and given back reset, 10,000 idle connections hold none instead of about 3 GB. Compressing never
 * blocks, so about as many are busy at once as there are processors; the pool keeps twice that
 * many idle ones and frees the rest.
 *
 * <p>Reset before reuse, a deflater or inflater keeps nothing of the last connection's data that a
 * new stream could reach: zlib clears its match table and window bookkeeping on reset.
 */
final class PerMessageDeflatePool {

    private static final int CAPACITY = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    // ArrayBlockingQueue: bounded, no allocation per offer, and a lock rather than a monitor.
    private static final ArrayBlockingQueue<Deflater> DEFLATERS = new ArrayBlockingQueue<>(CAPACITY);
    private static final ArrayBlockingQueue<Inflater> INFLATERS = new ArrayBlockingQueue<>(CAPACITY);

    private PerMessageDeflatePool() {
    }

    /**
     * @return a raw deflater at the default level, ready for a new stream
     */
    static Deflater deflater() {
        Deflater deflater = DEFLATERS.poll();
        return deflater != null ? deflater : newDeflater();
    }

    /**
     * @param deflater a deflater from {@link #deflater()} that compressed whole messages only
     */
    static void release(Deflater deflater) {
        deflater.reset();
        if (!DEFLATERS.offer(deflater)) {
            deflater.end();
        }
    }

    /**
     * @return a raw inflater, ready for a new stream
     */
    static Inflater inflater() {
        Inflater inflater = INFLATERS.poll();
        return inflater != null ? inflater : new Inflater(true);
    }

    /**
     * @param inflater an inflater from {@link #inflater()} whose last message ended without error;
     *        one that failed is ended instead, its state unknown
     */
    static void release(Inflater inflater) {
        inflater.reset();
        if (!INFLATERS.offer(inflater)) {
            inflater.end();
        }
    }

    /**
     * @return a new raw deflater at the default level, as every permessage-deflate sender here uses
     */
    static Deflater newDeflater() {
        return new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    }
}
