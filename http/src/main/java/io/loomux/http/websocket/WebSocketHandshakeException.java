package io.loomux.http.websocket;

import java.io.IOException;

/**
 * A request that could not be upgraded to a WebSocket: {@link Handshake#of} has already answered
 * it (400, 403, 405 or 426) and closed the exchange, so a handler that catches this just returns.
 */
public final class WebSocketHandshakeException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The status the request was answered with. */
    private final int status;

    /**
     * @param status  the status the request was answered with
     * @param message why
     */
    public WebSocketHandshakeException(int status, String message) {
        super(status + ": " + message);
        this.status = status;
    }

    /** @return the status the request was answered with */
    public int status() {
        return status;
    }
}
