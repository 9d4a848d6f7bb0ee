package io.loomux.http.internal.ws;

import io.loomux.http.websocket.WebSocketSettings;

import java.util.List;
import java.util.Optional;

/**
 * The extensions agreed in one opening handshake, from the public package's {@code Handshake} to
 * the {@link WsConnection} it opens: permessage-deflate (RFC 7692), when the settings turn it on
 * and the client offered it acceptably, or none.
 */
public final class WsExtensions {

    /** No extension agreed. */
    public static final WsExtensions NONE = new WsExtensions(null);

    private final PerMessageDeflateParameters deflate;

    private WsExtensions(PerMessageDeflateParameters deflate) {
        this.deflate = deflate;
    }

    /**
     * @param settings the WebSocket's settings: negotiates only when they turn permessage-deflate on
     * @param offers   the values of the request's {@code Sec-WebSocket-Extensions} fields, or null
     *                 if it had none
     * @return what was agreed
     */
    public static WsExtensions negotiate(WebSocketSettings settings, List<String> offers) {
        if (!settings.permessageDeflate() || offers == null || offers.isEmpty()) {
            return NONE;
        }
        PerMessageDeflateConfig config = new PerMessageDeflateConfig(settings.deflateNoContextTakeover(),
                PerMessageDeflateConfig.MAX_WINDOW_BITS);
        return PerMessageDeflateNegotiation.negotiate(offers, config).map(WsExtensions::new).orElse(NONE);
    }

    /** @return the value of the 101's {@code Sec-WebSocket-Extensions}, if anything was agreed */
    public Optional<String> responseHeader() {
        return deflate == null ? Optional.empty() : Optional.of(deflate.responseHeader());
    }

    /** @return permessage-deflate's parameters, or null if it was not agreed */
    PerMessageDeflateParameters deflate() {
        return deflate;
    }
}
