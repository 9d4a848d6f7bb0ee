package io.loomux.http.websocket;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.util.Objects;

/**
 * Handlers that serve WebSockets on a context of a loomux {@code HttpServer} or
 * {@code HttpsServer}:
 *
 * <pre>{@code
 * server.createContext("/echo", WebSockets.handler(ws -> {
 *     for (Message m; (m = ws.receive()) != null; ) {
 *         ws.send(m);
 *     }
 * }));
 * }</pre>
 *
 * <p>{@link #listener} serves them in turns instead: a {@link MessageListener} is called once per
 * message on a virtual thread, and no thread is held between messages.
 */
public final class WebSockets {

    private static final System.Logger LOG = System.getLogger("io.loomux.http.websocket");

    private WebSockets() {
    }

    /**
     * @param h serves each WebSocket
     * @return a handler that upgrades each request with {@link WebSocketSettings#defaults()}
     */
    public static HttpHandler handler(WebSocketHandler h) {
        return handler(WebSocketSettings.defaults(), h);
    }

    /**
     * A handler that upgrades each request ({@link Handshake#of}, which answers a bad one), choosing
     * the first subprotocol the client asks for that {@link WebSocketSettings#subprotocols()} holds,
     * then runs {@code h} on the handler's thread. When {@code h} returns, a WebSocket still open is
     * closed with 1000; when it throws, with 1011.
     *
     * @param settings the limits
     * @param h        serves each WebSocket
     * @return the handler
     */
    public static HttpHandler handler(WebSocketSettings settings, WebSocketHandler h) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(h, "handler");
        return x -> {
            Handshake hs = handshake(x, settings);
            if (hs == null) {
                return;
            }
            WebSocket ws = hs.accept(hs.choose(settings.subprotocols()));
            try {
                h.serve(ws);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "the WebSocket handler for " + ws.requestURI() + " ended", e);
                closeQuietly(ws, 1011);
                return;
            }
            closeQuietly(ws, 1000);
        };
    }

    /**
     * @param l is called for each WebSocket's messages
     * @return a handler that upgrades each request with {@link WebSocketSettings#defaults()} and
     *     serves it in turns
     */
    public static HttpHandler listener(MessageListener l) {
        return listener(WebSocketSettings.defaults(), l);
    }

    /**
     * A handler that upgrades each request as {@link #handler(WebSocketSettings, WebSocketHandler)}
     * does, then serves the WebSocket in turns through {@code l}; the handler returns at once.
     *
     * @param settings the limits
     * @param l        is called for each WebSocket's messages
     * @return the handler
     */
    public static HttpHandler listener(WebSocketSettings settings, MessageListener l) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(l, "listener");
        return x -> {
            Handshake hs = handshake(x, settings);
            if (hs != null) {
                hs.accept(hs.choose(settings.subprotocols()), l);
            }
        };
    }

    /** @return the handshake, or null if the request was refused (and answered) */
    private static Handshake handshake(HttpExchange x, WebSocketSettings settings) throws IOException {
        try {
            return Handshake.of(x, settings);
        } catch (WebSocketHandshakeException refused) {
            return null;
        }
    }

    private static void closeQuietly(WebSocket ws, int code) {
        if (!ws.isOpen()) {
            return;
        }
        try {
            ws.close(code, "");
        } catch (IOException ignored) {
            // The connection is closed whatever the failure.
        }
    }
}
