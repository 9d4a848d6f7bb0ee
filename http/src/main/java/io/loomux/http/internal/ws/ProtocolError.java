package io.loomux.http.internal.ws;

import java.net.ProtocolException;

/** The peer broke RFC 6455: the WebSocket is failed with a Close of this code. */
final class ProtocolError extends ProtocolException {

    private static final long serialVersionUID = 1L;

    /** The close code that says how: 1002, 1007 or 1009. */
    final int code;

    ProtocolError(int code, String message) {
        super(message);
        this.code = code;
    }
}
