package io.loomux.http.internal;

/**
 * A request the server answers with an error status and then closes the connection: the request
 * is malformed, too large, or its framing cannot be trusted (the smuggling defences).
 */
public final class HttpError extends Exception {
    private static final long serialVersionUID = 1L;

    /** The status to answer with. */
    final int status;

    HttpError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }
}
