package io.loomux.http.internal;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.net.InetSocketAddress;

/**
 * What an {@link HttpsConfigurator} sets for one connection, applied to its engine as the JDK
 * does: the {@link SSLParameters} when set, else the single settings that were given.
 */
final class TlsParameters extends HttpsParameters {

    private final HttpsConfigurator configurator;
    private final InetSocketAddress client;
    private SSLParameters parameters;

    TlsParameters(HttpsConfigurator configurator, InetSocketAddress client) {
        this.configurator = configurator;
        this.client = client;
    }

    @Override
    public HttpsConfigurator getHttpsConfigurator() {
        return configurator;
    }

    @Override
    public InetSocketAddress getClientAddress() {
        return client;
    }

    @Override
    public void setSSLParameters(SSLParameters params) {
        this.parameters = params;
    }

    /**
     * Makes the engine for one connection, configured; with {@code http2}, it offers h2 and
     * http/1.1 through ALPN unless the configurator chose the protocols ({@link Alpn}).
     *
     * @throws IllegalArgumentException if the configurator named protocols or suites the engine
     *     does not support
     */
    static SSLEngine engine(HttpsConfigurator configurator, InetSocketAddress client, boolean http2) {
        SSLEngine engine = configurator.getSSLContext().createSSLEngine(client.getHostString(), client.getPort());
        engine.setUseClientMode(false);
        TlsParameters p = new TlsParameters(configurator, client);
        configurator.configure(p);
        if (p.parameters != null) {
            engine.setSSLParameters(p.parameters);
        } else {
            if (p.getCipherSuites() != null) {
                engine.setEnabledCipherSuites(p.getCipherSuites());
            }
            if (p.getProtocols() != null) {
                engine.setEnabledProtocols(p.getProtocols());
            }
            if (p.getNeedClientAuth()) {
                engine.setNeedClientAuth(true);
            } else if (p.getWantClientAuth()) {
                engine.setWantClientAuth(true);
            }
        }
        if (http2) {
            Alpn.offer(engine);
        }
        return engine;
    }
}
