package io.loomux.http.internal.ws;

/**
 * What the server is willing to agree to when a client offers permessage-deflate (RFC 7692).
 * Whether the extension is on at all is the caller's business: it negotiates only when its
 * settings enable it.
 *
 * <p>There is no setting for the server's own window: {@link java.util.zip.Deflater} always
 * compresses with a 32 KiB window (15 bits) and cannot be told otherwise, so the only window the
 * server can influence is the client's.
 *
 * @param serverNoContextTakeover whether the server compresses every message on its own (an empty
 *        window each time), answering {@code server_no_context_takeover} even when the client did
 *        not ask for it: less compression, but no history of past messages kept for the peer to
 *        probe, and the compressor holds nothing between messages
 * @param clientMaxWindowBits 8 to 15: the largest window the server asks the client to compress
 *        with, through {@code client_max_window_bits} in the answer, when the client said it
 *        supports that parameter; 15 asks nothing (the server's inflater reads any window up to
 *        15 bits, so a smaller client window saves the client memory, not the server)
 */
record PerMessageDeflateConfig(boolean serverNoContextTakeover, int clientMaxWindowBits) {

    /** The smallest window RFC 7692 allows, 256 bytes. */
    static final int MIN_WINDOW_BITS = 8;
    /** The largest window RFC 7692 allows, 32 KiB; the only one {@link java.util.zip.Deflater} uses. */
    static final int MAX_WINDOW_BITS = 15;

    /** Context takeover in both directions, no window asked of the client: the best compression. */
    static final PerMessageDeflateConfig DEFAULT = new PerMessageDeflateConfig(false, MAX_WINDOW_BITS);

    /**
     * @throws IllegalArgumentException if {@code clientMaxWindowBits} is not within 8 to 15
     */
    PerMessageDeflateConfig {
        if (clientMaxWindowBits < MIN_WINDOW_BITS || clientMaxWindowBits > MAX_WINDOW_BITS) {
            throw new IllegalArgumentException("client_max_window_bits must be 8 to 15: " + clientMaxWindowBits);
        }
    }
}
