/**
 * loomux http: HTTP/1.1 on the loomux runtime, as a {@code com.sun.net.httpserver} provider.
 * With this module on the module path (or its jar on the class path) every
 * {@code HttpServer.create(...)}, {@code HttpsServer.create(...)} and the JDK's
 * {@code SimpleFileServer} run on loomux. {@code io.loomux.http.websocket} serves WebSockets on
 * them.
 */
module io.loomux.http {
    requires transitive io.loomux.api;
    requires transitive jdk.httpserver;

    exports io.loomux.http;
    exports io.loomux.http.websocket;

    provides com.sun.net.httpserver.spi.HttpServerProvider with io.loomux.http.LoomuxHttpServerProvider;
}
