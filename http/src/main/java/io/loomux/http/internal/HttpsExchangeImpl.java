package io.loomux.http.internal;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpPrincipal;
import com.sun.net.httpserver.HttpsExchange;

import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;

/** The face of an exchange on a TLS connection: the exchange's state plus the TLS session. */
public final class HttpsExchangeImpl extends HttpsExchange {

    private final AbstractExchange x;
    private final SSLSession session;

    /**
     * Makes the face and sets it as the exchange's: handlers and filters are given this.
     *
     * @param x       the exchange
     * @param session its connection's TLS session
     */
    public HttpsExchangeImpl(AbstractExchange x, SSLSession session) {
        this.x = x;
        this.session = session;
        x.facade(this);
    }

    /** @return the exchange behind this face */
    AbstractExchange exchange() {
        return x;
    }

    @Override
    public SSLSession getSSLSession() {
        return session;
    }

    @Override
    public Headers getRequestHeaders() {
        return x.getRequestHeaders();
    }

    @Override
    public Headers getResponseHeaders() {
        return x.getResponseHeaders();
    }

    @Override
    public URI getRequestURI() {
        return x.getRequestURI();
    }

    @Override
    public String getRequestMethod() {
        return x.getRequestMethod();
    }

    @Override
    public HttpContext getHttpContext() {
        return x.getHttpContext();
    }

    @Override
    public void close() {
        x.close();
    }

    @Override
    public InputStream getRequestBody() {
        return x.getRequestBody();
    }

    @Override
    public OutputStream getResponseBody() {
        return x.getResponseBody();
    }

    @Override
    public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
        x.sendResponseHeaders(rCode, responseLength);
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return x.getRemoteAddress();
    }

    @Override
    public int getResponseCode() {
        return x.getResponseCode();
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return x.getLocalAddress();
    }

    @Override
    public String getProtocol() {
        return x.getProtocol();
    }

    @Override
    public Object getAttribute(String name) {
        return x.getAttribute(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        x.setAttribute(name, value);
    }

    @Override
    public void setStreams(InputStream i, OutputStream o) {
        x.setStreams(i, o);
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return x.getPrincipal();
    }

    @Override
    public String toString() {
        return x.toString();
    }
}
