package io.loomux.http.internal;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import java.util.List;

/**
 * Which application protocol an HTTPS connection speaks, chosen in its TLS handshake (ALPN,
 * RFC 7301): {@code h2} when the client offers it, the server speaks HTTP/2 and the TLS in use
 * is one HTTP/2 allows (RFC 9113 section 9.2), else {@code http/1.1}.
 *
 * <p>The program's own choice rules: a configurator whose {@code SSLParameters} name application
 * protocols gets exactly those, in its order, through the JDK; this selector is set only when it
 * named none. So a program turns HTTP/2 off over TLS by listing {@code http/1.1} alone.
 */
final class Alpn {

    static final String H2 = "h2";
    static final String HTTP_1_1 = "http/1.1";

    private Alpn() {
    }

    /**
     * Offers HTTP/2 and HTTP/1.1 on the engine, unless its configurator chose the protocols.
     *
     * @param engine the connection's engine, configured
     */
    static void offer(SSLEngine engine) {
        String[] chosen = engine.getSSLParameters().getApplicationProtocols();
        if (chosen != null && chosen.length > 0) {
            return;
        }
        engine.setHandshakeApplicationProtocolSelector(Alpn::select);
    }

    /**
     * @return {@code h2}, {@code http/1.1}, or the empty string for no application protocol (a
     *     client that offers neither still gets HTTP/1.1, as one that offers nothing does); never
     *     null, which would end the handshake with an alert
     */
    static String select(SSLEngine engine, List<String> offered) {
        if (offered.contains(H2) && tlsFitForHttp2(engine.getHandshakeSession())) {
            return H2;
        }
        return offered.contains(HTTP_1_1) ? HTTP_1_1 : "";
    }

    /**
     * RFC 9113 section 9.2: TLS 1.2 or later, and on TLS 1.2 an ephemeral key exchange with an
     * AEAD cipher. TLS 1.3 has nothing else. A suite not chosen yet when the selector runs is
     * taken as fit: the JDK's defaults put AEAD suites first.
     */
    static boolean tlsFitForHttp2(SSLSession handshake) {
        if (handshake == null) {
            return true;
        }
        String protocol = handshake.getProtocol();
        if ("TLSv1.3".equals(protocol)) {
            return true;
        }
        if (!"TLSv1.2".equals(protocol)) {
            return protocol == null || protocol.equals("NONE");
        }
        String suite = handshake.getCipherSuite();
        if (suite == null || suite.startsWith("SSL_NULL")) {
            return true;
        }
        boolean ephemeral = suite.startsWith("TLS_ECDHE_") || suite.startsWith("TLS_DHE_");
        boolean aead = suite.contains("_GCM_") || suite.contains("CHACHA20_POLY1305");
        return ephemeral && aead;
    }
}
