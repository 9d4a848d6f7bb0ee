package io.loomux.http.websocket;

import java.io.IOException;

/**
 * What serves one accepted WebSocket in the turn style ({@link WebSockets#listener},
 * {@link Handshake#accept(String, MessageListener)}): between messages the WebSocket holds no
 * thread and no buffer, so that many idle WebSockets cost their objects alone.
 *
 * <p>When a message's first bytes arrive, a new virtual thread reads it whole and calls
 * {@link #onMessage}; messages already buffered behind it are delivered on the same thread, and
 * then the thread ends. Calls are one at a time, in order: the next message is not read until
 * {@code onMessage} returns, so a slow listener slows its peer down rather than queuing. Pings
 * are answered between messages. {@link WebSocket#receive()} is not for this style.
 */
public interface MessageListener {

    /**
     * Called once, on the accepting thread, before any message.
     *
     * @param ws the open WebSocket, which may be kept to send from any thread
     * @throws IOException if it fails: the WebSocket is then closed with 1011
     */
    default void onOpen(WebSocket ws) throws IOException {
    }

    /**
     * Called once per message, on a virtual thread, never two at once.
     *
     * @param ws the WebSocket
     * @param m  the whole message
     * @throws IOException if it fails: the WebSocket is then closed with 1011
     */
    void onMessage(WebSocket ws, Message m) throws IOException;

    /**
     * Called once when the connection has ended, however it ended.
     *
     * @param ws     the WebSocket
     * @param code   the peer's close code (1005 if its Close had none), or 1006 if no Close came
     *               from it (it broke the protocol, went away, or did not answer ours in time)
     * @param reason the peer's close reason, or ""
     */
    default void onClose(WebSocket ws, int code, String reason) {
    }
}
