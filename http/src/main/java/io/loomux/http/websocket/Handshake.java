package io.loomux.http.websocket;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.loomux.http.internal.ProtocolSwitch;
import io.loomux.http.internal.ws.WsConnection;
import io.loomux.http.internal.ws.WsExtensions;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A WebSocket opening handshake (RFC 6455 section 4.2) as an ordinary {@code HttpHandler} sees
 * it, before the {@code 101}: the handler may look at the request (authentication, origin,
 * subprotocols) and then {@link #accept} or {@link #reject} it.
 *
 * <pre>{@code
 * server.createContext("/chat", x -> {
 *     Handshake h;
 *     try {
 *         h = Handshake.of(x);          // a bad request is answered here
 *     } catch (WebSocketHandshakeException e) {
 *         return;
 *     }
 *     if (x.getPrincipal() == null) {
 *         h.reject(401);
 *         return;
 *     }
 *     try (WebSocket ws = h.accept(h.requestedSubprotocols().contains("chat") ? "chat" : null)) {
 *         for (Message m; (m = ws.receive()) != null; ) {
 *             ws.send(m);
 *         }
 *     }
 * });
 * }</pre>
 *
 * <p>Only HTTP/1.1 exchanges can be upgraded; WebSocket over HTTP/2 (RFC 8441) is not offered.
 * The request's errors are answered by {@link #of} itself:
 * <ul>
 *   <li>an HTTP/2 or HTTP/1.0 request: 400;</li>
 *   <li>a method other than GET: 405 with {@code Allow: GET};</li>
 *   <li>no {@code Upgrade: websocket}, no {@code Connection: upgrade}, a request body, a missing
 *       {@code Sec-WebSocket-Version}, a missing, repeated or malformed {@code Sec-WebSocket-Key}
 *       (not 16 bytes in base64): 400;</li>
 *   <li>a {@code Sec-WebSocket-Version} other than 13: 426 with {@code Sec-WebSocket-Version: 13};</li>
 *   <li>an origin {@link WebSocketSettings#originCheck()} refuses: 403.</li>
 * </ul>
 * The only extension accepted is permessage-deflate (RFC 7692), and only when
 * {@link WebSocketSettings#permessageDeflate()} is on: {@link #accept} then answers the client's
 * first acceptable offer in the {@code 101}'s {@code Sec-WebSocket-Extensions}. Any other offer is
 * left out of the answer, which declines it, as RFC 6455 allows.
 */
public final class Handshake {

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final HttpExchange exchange;
    private final WebSocketSettings settings;
    private final String key;
    private final List<String> subprotocols;
    private final List<String> extensions;
    private boolean done;

    private Handshake(HttpExchange exchange, WebSocketSettings settings, String key) {
        this.exchange = exchange;
        this.settings = settings;
        this.key = key;
        Headers h = exchange.getRequestHeaders();
        this.subprotocols = tokens(h.get("Sec-WebSocket-Protocol"));
        this.extensions = tokens(h.get("Sec-WebSocket-Extensions"));
    }

    /**
     * As {@link #of(HttpExchange, WebSocketSettings)} with {@link WebSocketSettings#defaults()}.
     *
     * @param x the exchange
     * @return the handshake, not answered yet
     * @throws WebSocketHandshakeException if the request was bad, and has been answered
     * @throws IOException if answering it failed
     */
    public static Handshake of(HttpExchange x) throws IOException {
        return of(x, WebSocketSettings.defaults());
    }

    /**
     * Checks that the request opens a WebSocket; if it does not, answers it (see the class) and
     * throws.
     *
     * @param x        the exchange, its response not begun
     * @param settings the limits of the WebSocket this may open, and the origin check
     * @return the handshake, not answered yet
     * @throws WebSocketHandshakeException if the request was bad, and has been answered
     * @throws IOException if answering it failed
     */
    public static Handshake of(HttpExchange x, WebSocketSettings settings) throws IOException {
        Objects.requireNonNull(settings, "settings");
        Headers h = x.getRequestHeaders();
        if (!ProtocolSwitch.canSwitch(x)) {
            throw refuse(x, 400, "A WebSocket opens over HTTP/1.1 only, on a loomux server (this request came over "
                    + x.getProtocol() + ")");
        }
        if (!"GET".equals(x.getRequestMethod())) {
            x.getResponseHeaders().set("Allow", "GET");
            throw refuse(x, 405, "A WebSocket opens with GET, not " + x.getRequestMethod());
        }
        if (!tokens(h.get("Upgrade")).stream().anyMatch(t -> t.equalsIgnoreCase("websocket"))) {
            throw refuse(x, 400, "No Upgrade: websocket");
        }
        if (!tokens(h.get("Connection")).stream().anyMatch(t -> t.equalsIgnoreCase("upgrade"))) {
            throw refuse(x, 400, "No Connection: upgrade");
        }
        String length = h.getFirst("Content-Length");
        if (h.containsKey("Transfer-Encoding") || length != null && !length.equals("0")) {
            throw refuse(x, 400, "An opening handshake has no body");
        }
        List<String> versions = h.get("Sec-WebSocket-Version");
        if (versions == null || versions.isEmpty()) {
            throw refuse(x, 400, "No Sec-WebSocket-Version");
        }
        if (versions.size() != 1 || !versions.get(0).trim().equals("13")) {
            x.getResponseHeaders().set("Sec-WebSocket-Version", "13");
            throw refuse(x, 426, "Sec-WebSocket-Version 13 is the one spoken here");
        }
        List<String> keys = h.get("Sec-WebSocket-Key");
        if (keys == null || keys.size() != 1 || !validKey(keys.get(0).trim())) {
            throw refuse(x, 400, "A Sec-WebSocket-Key must be one of 16 bytes in base64");
        }
        if (!settings.originCheck().test(Optional.ofNullable(h.getFirst("Origin")))) {
            throw refuse(x, 403, "Origin refused");
        }
        return new Handshake(x, settings, keys.get(0).trim());
    }

    private static boolean validKey(String key) {
        try {
            return key.length() == 24 && Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The comma-separated tokens of every line of a field, trimmed, empty ones dropped. */
    private static List<String> tokens(List<String> lines) {
        List<String> out = new ArrayList<>();
        if (lines != null) {
            for (String line : lines) {
                for (String t : line.split(",")) {
                    String s = t.trim();
                    if (!s.isEmpty()) {
                        out.add(s);
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    private static WebSocketHandshakeException refuse(HttpExchange x, int status, String why) throws IOException {
        byte[] body = (why + "\n").getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if ("HEAD".equals(x.getRequestMethod())) {
            x.sendResponseHeaders(status, -1);
            x.close();
        } else {
            x.sendResponseHeaders(status, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
        return new WebSocketHandshakeException(status, why);
    }

    /** @return the subprotocols the client asked for, in its order of preference */
    public List<String> requestedSubprotocols() {
        return subprotocols;
    }

    /**
     * @return the extensions the client offered, as sent (e.g.
     *     {@code permessage-deflate; client_max_window_bits}), whatever {@link #accept} agrees to
     */
    public List<String> requestedExtensions() {
        return extensions;
    }

    /** @return the request's {@code Origin}, if it has one */
    public Optional<String> origin() {
        return Optional.ofNullable(exchange.getRequestHeaders().getFirst("Origin"));
    }

    /**
     * Answers {@code 101 Switching Protocols} (with any response header the handler set, such as a
     * cookie) and opens the WebSocket, which from now owns the connection: the HTTP exchange is
     * over, and the handler may serve the WebSocket on its own thread or hand it to another and
     * return.
     *
     * @param subprotocol one of {@link #requestedSubprotocols()}, or null for none
     * @return the open WebSocket
     * @throws IllegalArgumentException if the client did not ask for the subprotocol
     * @throws IllegalStateException if the handshake was answered already
     * @throws IOException if the 101 could not be sent
     */
    public WebSocket accept(String subprotocol) throws IOException {
        WsExtensions agreed = negotiate();
        ProtocolSwitch sw = switchProtocols(subprotocol, agreed);
        return WsConnection.open(sw, settings, subprotocol == null ? "" : subprotocol,
                exchange.getRequestURI(), exchange.getRequestHeaders(), agreed);
    }

    /**
     * As {@link #accept(String)}, the WebSocket served in turns by {@code listener}: its
     * {@link MessageListener#onOpen} runs on this thread, then this returns, and each message is
     * delivered on a virtual thread of its own; no thread is held between messages.
     *
     * @param subprotocol one of {@link #requestedSubprotocols()}, or null for none
     * @param listener    is called for the WebSocket's messages
     * @throws IllegalArgumentException if the client did not ask for the subprotocol
     * @throws IllegalStateException if the handshake was answered already
     * @throws IOException if the 101 could not be sent
     */
    public void accept(String subprotocol, MessageListener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        WsExtensions agreed = negotiate();
        ProtocolSwitch sw = switchProtocols(subprotocol, agreed);
        WsConnection.openTurns(sw, settings, subprotocol == null ? "" : subprotocol,
                exchange.getRequestURI(), exchange.getRequestHeaders(), agreed, listener);
    }

    /** @return the extensions agreed from the client's offers (none unless the settings turn one on) */
    private WsExtensions negotiate() {
        return WsExtensions.negotiate(settings, exchange.getRequestHeaders().get("Sec-WebSocket-Extensions"));
    }

    /**
     * Sends the 101 with the accept value, the subprotocol and the extensions agreed; the
     * connection is the WebSocket's from here.
     */
    private ProtocolSwitch switchProtocols(String subprotocol, WsExtensions agreed) throws IOException {
        if (subprotocol != null && !subprotocols.contains(subprotocol)) {
            throw new IllegalArgumentException("the client did not ask for subprotocol " + subprotocol);
        }
        answer();
        Headers r = exchange.getResponseHeaders();
        r.set("Upgrade", "websocket");
        r.set("Connection", "Upgrade");
        r.set("Sec-WebSocket-Accept", acceptValue(key));
        if (subprotocol != null) {
            r.set("Sec-WebSocket-Protocol", subprotocol);
        }
        agreed.responseHeader().ifPresent(v -> r.set("Sec-WebSocket-Extensions", v));
        return ProtocolSwitch.switchProtocols(exchange);
    }

    /**
     * Refuses the WebSocket: answers with the status and no body, and ends the exchange.
     *
     * @param status the status, 400 or more
     * @throws IllegalStateException if the handshake was answered already
     * @throws IOException if the answer could not be sent
     */
    public void reject(int status) throws IOException {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("a refusal is a 4xx or 5xx: " + status);
        }
        answer();
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    private void answer() {
        if (done) {
            throw new IllegalStateException("the handshake was answered already");
        }
        done = true;
    }

    /**
     * @param key a request's {@code Sec-WebSocket-Key}
     * @return its {@code Sec-WebSocket-Accept}: the base64 of the SHA-1 of the key and RFC 6455's GUID
     */
    static String acceptValue(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] digest = sha1.digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    /** @return the settings the WebSocket will have */
    WebSocketSettings settings() {
        return settings;
    }

    /**
     * @return the first subprotocol the client asked for that {@code spoken} holds, or null
     * @param spoken the subprotocols the server speaks
     */
    String choose(List<String> spoken) {
        for (String s : subprotocols) {
            if (spoken.contains(s)) {
                return s;
            }
        }
        return null;
    }
}
