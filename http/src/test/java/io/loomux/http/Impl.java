package io.loomux.http;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * One HTTP server implementation under test: the JDK's built-in provider (the control), or
 * loomux on one backend.
 *
 * @param name     "jdk", "loomux-BACKEND", "loomux-BACKEND-h2c" (spoken to over h2c) or
 *                 "loomux-BACKEND-h2" (over h2 on TLS), shown in test names
 * @param provider the provider, or null when the backend cannot run here
 * @param skip     why it cannot run here, or null
 * @param http2    whether the suite's client speaks HTTP/2 to it: to an {@code http://} server
 *                 it upgrades (h2c), to an {@code https://} one it asks for h2 through ALPN
 */
public record Impl(String name, HttpServerProvider provider, String skip, boolean http2) {

    /** An implementation the suite speaks HTTP/1.1 to. */
    public Impl(String name, HttpServerProvider provider, String skip) {
        this(name, provider, skip, false);
    }

    /** @return whether this is the JDK's own implementation */
    public boolean isJdk() {
        return name.equals("jdk");
    }

    /** @return an unstarted server bound to 127.0.0.1 on a free port */
    public HttpServer server() throws IOException {
        return provider.createHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    }

    /** @return an unstarted HTTPS server bound to 127.0.0.1 on a free port */
    public HttpsServer httpsServer() throws IOException {
        return provider.createHttpsServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    }

    /**
     * @param tls whether HTTPS, presenting {@link TestCertificates#serverContext()}
     * @return an unstarted server bound to 127.0.0.1 on a free port
     */
    public HttpServer server(boolean tls) throws Exception {
        if (!tls) {
            return server();
        }
        HttpsServer s = httpsServer();
        s.setHttpsConfigurator(new HttpsConfigurator(TestCertificates.serverContext()));
        return s;
    }

    @Override
    public String toString() {
        return name;
    }
}
