package io.loomux.http.internal.ws;

/**
 * What a server and a client agreed for permessage-deflate (RFC 7692), as far as the server's
 * work depends on it, and the header value that tells the client.
 *
 * @param serverNoContextTakeover whether the server compresses each message with an empty window
 * @param clientNoContextTakeover whether the client promised to compress each message with an
 *        empty window, so that the server may forget one message's window before the next
 * @param responseHeader the value of the {@code Sec-WebSocket-Extensions} header of the 101 answer
 */
record PerMessageDeflateParameters(boolean serverNoContextTakeover, boolean clientNoContextTakeover,
                                   String responseHeader) {

    /**
     * @return a compressor for the messages this server sends on the connection
     */
    PerMessageDeflateEncoder newEncoder() {
        return new PerMessageDeflateEncoder(serverNoContextTakeover);
    }

    /**
     * @param maxMessageSize the most bytes one message may decompress to
     * @return a decompressor for the messages the client sends on the connection
     */
    PerMessageDeflateDecoder newDecoder(int maxMessageSize) {
        return new PerMessageDeflateDecoder(clientNoContextTakeover, maxMessageSize);
    }
}
