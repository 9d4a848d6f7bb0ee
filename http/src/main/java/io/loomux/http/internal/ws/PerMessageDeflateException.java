package io.loomux.http.internal.ws;

import java.io.IOException;

/**
 * A compressed message the server will not take: either it decompresses to more than the
 * message size limit, or it is not valid DEFLATE data. The two end the connection with different
 * close codes, so {@link #tooBig()} tells them apart.
 */
final class PerMessageDeflateException extends IOException {

    private static final long serialVersionUID = 1L;

    /** RFC 6455 section 7.4.1: a message too big to process. */
    static final int MESSAGE_TOO_BIG = 1009;
    /** RFC 6455 section 7.4.1: data inconsistent with the message's type. */
    static final int INVALID_PAYLOAD = 1007;

    private final boolean tooBig;

    private PerMessageDeflateException(String message, boolean tooBig, Throwable cause) {
        super(message, cause);
        this.tooBig = tooBig;
    }

    /**
     * @param limit the most bytes a message may decompress to
     * @return the exception for a message that decompresses to more than {@code limit} bytes
     */
    static PerMessageDeflateException tooBig(int limit) {
        return new PerMessageDeflateException("compressed message inflates to more than " + limit + " bytes", true, null);
    }

    /**
     * @param cause what the inflater reported, or null
     * @return the exception for a message that is not valid DEFLATE data
     */
    static PerMessageDeflateException badData(Throwable cause) {
        String detail = cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage();
        return new PerMessageDeflateException("invalid compressed data" + detail, false, cause);
    }

    /**
     * @return true if the message was over the size limit, false if its data was invalid
     */
    boolean tooBig() {
        return tooBig;
    }

    /**
     * @return the close code that fits: 1009 when too big; 1007 for invalid data, since the
     *         frames were well formed and only their content is wrong
     */
    int closeCode() {
        return tooBig ? MESSAGE_TOO_BIG : INVALID_PAYLOAD;
    }
}
