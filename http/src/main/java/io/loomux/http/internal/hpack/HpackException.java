package io.loomux.http.internal.hpack;

import java.io.Serial;

/**
 * A header block that is not valid HPACK. The dynamic table is then out of step with the peer's,
 * so the block cannot be skipped: HTTP/2 ends the connection with COMPRESSION_ERROR.
 */
public final class HpackException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong with the block
     */
    public HpackException(String message) {
        super(message);
    }
}
