package io.loomux.http.internal;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/** The {@link HttpServer} of loomux; everything is in {@link ServerCore}. */
public final class LoomuxHttpServer extends HttpServer {

    private final ServerCore core;

    /** @param core the server's state, not shared with another server */
    public LoomuxHttpServer(ServerCore core) {
        this.core = core;
        core.attach(this, false);
    }

    @Override
    public void bind(InetSocketAddress addr, int backlog) throws IOException {
        core.bind(addr, backlog);
    }

    @Override
    public void start() {
        core.start();
    }

    @Override
    public void setExecutor(Executor executor) {
        core.executor(executor);
    }

    @Override
    public Executor getExecutor() {
        return core.getExecutor();
    }

    @Override
    public void stop(int delay) {
        core.stop(delay);
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        java.util.Objects.requireNonNull(handler, "null handler parameter");
        return core.createContext(path, handler);
    }

    @Override
    public HttpContext createContext(String path) {
        return core.createContext(path, null);
    }

    @Override
    public void removeContext(String path) {
        core.removeContext(path);
    }

    @Override
    public void removeContext(HttpContext context) {
        core.removeContext(context);
    }

    @Override
    public InetSocketAddress getAddress() {
        return core.address();
    }

    @Override
    public String toString() {
        return "loomux HttpServer on " + core.address();
    }
}
