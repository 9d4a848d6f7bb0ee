package io.loomux.http.internal;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;

/**
 * An HTTP/1.1 connection handed to another protocol by one of its exchanges (a WebSocket's
 * {@code 101 Switching Protocols}): the transport, and the input with whatever the client sent
 * after the request, already buffered. Once {@link #complete} has run, the HTTP/1.1 connection
 * serves no more requests on it, its thread is gone (or goes once the handler returns), and the
 * new protocol is in the server's books in its place, holding the accept permit.
 */
public final class ProtocolSwitch {

    private final ExchangeImpl exchange;
    private final Http1Connection connection;

    private ProtocolSwitch(ExchangeImpl exchange) {
        this.exchange = exchange;
        this.connection = exchange.connection();
    }

    /**
     * @param x an exchange as a handler sees it
     * @return the loomux HTTP/1.1 exchange behind it, or null if it is none (HTTP/2, HTTP/1.0,
     *     another provider's)
     */
    private static ExchangeImpl http11(HttpExchange x) {
        AbstractExchange inner = x instanceof HttpsExchangeImpl https ? https.exchange()
                : x instanceof AbstractExchange a ? a : null;
        return inner instanceof ExchangeImpl e && !e.head().http10() ? e : null;
    }

    /**
     * @param x an exchange as a handler sees it
     * @return whether it is an HTTP/1.1 exchange of a loomux server, whose connection can switch
     */
    public static boolean canSwitch(HttpExchange x) {
        return http11(x) != null;
    }

    /**
     * Sends {@code 101 Switching Protocols} with the response fields set on the exchange; from
     * here the connection's bytes are the new protocol's. The caller then calls
     * {@link #complete}.
     *
     * @param x an exchange for which {@link #canSwitch} holds, its response not begun
     * @return the connection's parts
     * @throws IOException if the 101 cannot be sent
     */
    public static ProtocolSwitch switchProtocols(HttpExchange x) throws IOException {
        ExchangeImpl e = http11(x);
        if (e == null) {
            throw new IllegalArgumentException("not an HTTP/1.1 exchange of a loomux server: " + x);
        }
        e.switchProtocols();
        return new ProtocolSwitch(e);
    }

    /** @return the server */
    public ServerCore server() {
        return connection.server();
    }

    /** @return the connection's byte stream */
    public Transport transport() {
        return connection.transport();
    }

    /** @return the connection's input, holding what came after the request */
    public HttpInput input() {
        return connection.input();
    }

    /**
     * Puts the new protocol's connection in the books in place of the HTTP/1.1 one and ends the
     * exchange that switched.
     *
     * @param next the new protocol's connection
     * @return false if the connection had closed meanwhile (the server's stop): {@code next}
     *     must end
     */
    public boolean complete(ServedConnection next) {
        boolean ok = connection.handOverTo(next);
        exchange.switched();
        return ok;
    }
}
