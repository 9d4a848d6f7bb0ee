package io.loomux.http;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * One HTTP server implementation under test: the JDK's built-in provider (the control), or
 * loomux on one backend.
 *
 * @param name     "jdk" or "loomux-BACKEND", shown in test names
 * @param provider the provider, or null when the backend cannot run here
 * @param skip     why it cannot run here, or null
 */
public record Impl(String name, HttpServerProvider provider, String skip) {

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

    @Override
    public String toString() {
        return name;
    }
}
