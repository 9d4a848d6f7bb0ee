package io.loomux.http.websocket;

import java.io.IOException;

/**
 * What serves one accepted WebSocket in the blocking style ({@link WebSockets#handler}): it runs
 * on the connection's virtual thread (or the server's executor's), typically a loop of
 * {@link WebSocket#receive()} until it returns null. When it returns, a WebSocket still open is
 * closed with 1000 (normal closure); when it throws, with 1011 (internal error).
 */
@FunctionalInterface
public interface WebSocketHandler {

    /**
     * @param ws the open WebSocket
     * @throws IOException if the WebSocket failed; it is then closed
     */
    void serve(WebSocket ws) throws IOException;
}
