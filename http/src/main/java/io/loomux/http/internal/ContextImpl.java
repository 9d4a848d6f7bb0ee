package io.loomux.http.internal;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A context: a path, its handler, filters, authenticator and attributes. The filter list and
 * attribute map may be changed while requests run (copy-on-write and concurrent), so requests
 * read them without a lock; a request sees the filters as they were when it started.
 */
public final class ContextImpl extends HttpContext {

    private final String path;
    private final HttpServer server;
    private volatile HttpHandler handler;
    private volatile Authenticator authenticator;
    private final List<Filter> filters = new CopyOnWriteArrayList<>();
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();

    ContextImpl(String path, HttpHandler handler, HttpServer server) {
        this.path = path;
        this.handler = handler;
        this.server = server;
    }

    @Override
    public HttpHandler getHandler() {
        return handler;
    }

    @Override
    public void setHandler(HttpHandler h) {
        Objects.requireNonNull(h, "Null handler parameter");
        if (handler != null) {
            throw new IllegalArgumentException("handler already set");
        }
        handler = h;
    }

    @Override
    public String getPath() {
        return path;
    }

    @Override
    public HttpServer getServer() {
        return server;
    }

    /** @return the attributes; a concurrent map, so null keys and values are refused */
    @Override
    public Map<String, Object> getAttributes() {
        return attributes;
    }

    @Override
    public List<Filter> getFilters() {
        return filters;
    }

    @Override
    public Authenticator setAuthenticator(Authenticator auth) {
        Authenticator old = authenticator;
        authenticator = auth;
        return old;
    }

    @Override
    public Authenticator getAuthenticator() {
        return authenticator;
    }

    @Override
    public String toString() {
        return "HttpContext[" + path + "]";
    }
}
