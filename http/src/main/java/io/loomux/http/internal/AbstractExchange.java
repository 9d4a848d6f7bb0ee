package io.loomux.http.internal;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * What an exchange is whatever protocol carries it: its context, its headers both ways, the
 * streams a filter may have swapped in, the principal, the status sent, and the thread running
 * its handler. A protocol's exchange adds how the request arrives and the response leaves, and
 * the few operations {@link HandlerChain} needs to end an exchange whose handler failed.
 *
 * <p>Only the thread running the handler (or the one it handed the exchange to) calls the
 * {@link HttpExchange} methods; the handler thread is published for the server's stop.
 */
public abstract class AbstractExchange extends HttpExchange {

    private final ContextImpl context;
    private final Headers requestHeaders;
    private final ResponseHeaders responseHeaders = new ResponseHeaders();
    private InputStream userIn;
    private OutputStream userOut;
    private HttpExchange facade = this;
    private HttpPrincipal principal;
    /** The status sent, or -1 before {@code sendResponseHeaders}. */
    private int code = -1;
    private boolean closed;
    /** The thread running the handler (and filters), while it runs; null before and after. */
    private volatile Thread handlerThread;

    /**
     * @param context        the context the request matched, or null if none did
     * @param requestHeaders the request's fields, as the handler sees them
     */
    protected AbstractExchange(ContextImpl context, Headers requestHeaders) {
        this.context = context;
        this.requestHeaders = requestHeaders;
    }

    /** @return the request body as this protocol delivers it, before any {@code setStreams} */
    protected abstract InputStream rawRequestBody();

    /** @return the response body as this protocol frames it, before any {@code setStreams} */
    protected abstract OutputStream rawResponseBody();

    /** @return whether the response head went out */
    public final boolean headersSent() {
        return code >= 0;
    }

    /**
     * Begins {@code sendResponseHeaders}: checks the call and the response fields, then records
     * the status. Nothing is recorded if it throws.
     *
     * @throws IOException if a head was sent already, or a response field cannot be sent
     */
    protected final void beginHead(int rCode) throws IOException {
        if (code >= 0) {
            throw new IOException("headers already sent");
        }
        if (rCode < 100 || rCode > 999) {
            throw new IllegalArgumentException("status code out of range: " + rCode);
        }
        FieldNames.checkToSend(responseHeaders);
        code = rCode;
    }

    /** @return the response fields (the server's own type, which checks what is set) */
    protected final ResponseHeaders responseFields() {
        return responseHeaders;
    }

    /**
     * No further request may follow this one on its connection (HTTP/1.1 closes it after the
     * response); a protocol whose exchanges end on their own ignores it.
     */
    public abstract void mustClose();

    /** @return whether the exchange has ended: its response whole and on its way, or abandoned */
    protected abstract boolean ended();

    /** @return whether the protocol's own response body ({@link #rawResponseBody()}) is closed */
    protected abstract boolean responseBodyClosed();

    /** @return whether a fixed-length response body was written in full and is still open */
    protected abstract boolean responseWrittenInFull();

    /** Closing a response body failed in {@link #close()}: the protocol's answer to that. */
    protected abstract void closeFailed();

    /** The last step of {@link #close()}, once the response body is closed. */
    protected abstract void closed();

    /**
     * After the handler failed: if the response is whole all the same (a fixed-length body
     * written in full, its stream not closed), ends the exchange as that close would have.
     *
     * @return whether the exchange has ended, the response whole
     */
    public final boolean finishIfWhole() {
        if (ended()) {
            return true;
        }
        if (!headersSent() || !responseWrittenInFull()) {
            return false;
        }
        try {
            // Nothing to send and no length to miss: this only ends the exchange.
            rawResponseBody().close();
        } catch (IOException e) {
            abort();
        }
        return true;
    }

    /**
     * Ends the exchange, once: an exchange closed before its head is aborted (the JDK closes the
     * connection then); else the response body is closed, through a filter's stream if one was
     * set and then the protocol's own, in case the filter's did not close it.
     */
    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ended()) {
            return;
        }
        if (!headersSent()) {
            abort();
            return;
        }
        try {
            getResponseBody().close();
        } catch (IOException e) {
            closeFailed();
        }
        if (!responseBodyClosed()) {
            try {
                rawResponseBody().close();
            } catch (IOException e) {
                closeFailed();
            }
        }
        closed();
    }

    /** Ends the exchange after a failure: nothing more of it goes out. */
    public abstract void abort();

    /** @return why the request body is refused (bad framing), or null if it is not */
    public abstract HttpError requestRefusal();

    final void facade(HttpExchange f) {
        this.facade = f;
    }

    /** @return what handlers and filters are given: this, or its HTTPS face */
    public final HttpExchange facade() {
        return facade;
    }

    /** @param t the thread now running the handler, or null once it returned */
    final void handlerThread(Thread t) {
        handlerThread = t;
    }

    /** @return whether the handler runs on the thread, now */
    public final boolean handlerRunsOn(Thread t) {
        return handlerThread == t;
    }

    final void principal(HttpPrincipal p) {
        this.principal = p;
    }

    @Override
    public final Headers getRequestHeaders() {
        return requestHeaders;
    }

    @Override
    public final Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public final HttpContext getHttpContext() {
        return context;
    }

    @Override
    public final InputStream getRequestBody() {
        return userIn != null ? userIn : rawRequestBody();
    }

    @Override
    public final OutputStream getResponseBody() {
        return userOut != null ? userOut : rawResponseBody();
    }

    @Override
    public final int getResponseCode() {
        return code;
    }

    @Override
    public final HttpPrincipal getPrincipal() {
        return principal;
    }

    /**
     * As the JDK's: an exchange's attributes are its context's attribute map, so they are seen
     * by every exchange of the context, not only this one.
     */
    @Override
    public final Object getAttribute(String name) {
        Objects.requireNonNull(name, "null name parameter");
        return context == null ? null : context.getAttributes().get(name);
    }

    /** As the JDK's: sets (or with a null value removes) the attribute in the context's map. */
    @Override
    public final void setAttribute(String name, Object value) {
        Objects.requireNonNull(name, "null name parameter");
        if (context == null) {
            return;
        }
        if (value == null) {
            context.getAttributes().remove(name);
        } else {
            context.getAttributes().put(name, value);
        }
    }

    @Override
    public final void setStreams(InputStream i, OutputStream o) {
        if (i != null) {
            userIn = i;
        }
        if (o != null) {
            userOut = o;
        }
    }

    @Override
    public String toString() {
        return getRequestMethod() + " " + getRequestURI() + " " + getProtocol();
    }
}
