package io.loomux.http.internal;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * One request and its response: the {@link HttpExchange} handlers see on a plain connection, and
 * the state behind {@link HttpsExchangeImpl} on a TLS one.
 *
 * <p>Lifecycle: the connection's thread makes it, runs (or hands to the executor) the handler,
 * then waits in {@link #awaitFinished()}. The exchange finishes when the response body is closed
 * (or the exchange is), or when a body-less head is sent; {@link #finish()} drains what is left
 * of the request body, then wakes the connection's thread. Only one thread uses the connection's
 * input and output at a time: the handler's until {@code finished} is set, the connection's
 * after (the volatile write and read order them).
 */
class ExchangeImpl extends HttpExchange {

    private static final System.Logger LOG = System.getLogger("io.loomux.http");

    private final Http1Connection connection;
    private final RequestHead head;
    private final ContextImpl context;
    private final Headers requestHeaders;
    private final ResponseHeaders responseHeaders = new ResponseHeaders();
    private final RequestBody requestBody;
    private final ResponseBody responseBody;
    private InputStream userIn;
    private OutputStream userOut;
    private HttpExchange facade = this;
    private int code = -1;
    private boolean headersSent;
    private boolean continueSent;
    private boolean closeAfter;
    private boolean closed;
    private HttpPrincipal principal;
    private volatile boolean finished;
    private final Thread waiter;
    /** The thread running the handler (and filters), while it runs; null before and after. */
    private volatile Thread handlerThread;

    ExchangeImpl(Http1Connection connection, RequestHead head, ContextImpl context) {
        this.connection = connection;
        this.head = head;
        this.context = context;
        this.requestHeaders = head.headers();
        this.requestBody = new RequestBody(this, connection.input(), connection.settings(), head.contentLength());
        this.responseBody = new ResponseBody(this, connection.output());
        this.closeAfter = !head.keepAlive();
        this.waiter = Thread.currentThread();
    }

    void facade(HttpExchange f) {
        this.facade = f;
    }

    /** @return what handlers and filters are given: this, or its HTTPS face */
    HttpExchange facade() {
        return facade;
    }

    RequestHead head() {
        return head;
    }

    @Override
    public Headers getRequestHeaders() {
        return requestHeaders;
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
        return head.uri();
    }

    @Override
    public String getRequestMethod() {
        return head.method();
    }

    @Override
    public HttpContext getHttpContext() {
        return context;
    }

    @Override
    public InputStream getRequestBody() {
        return userIn != null ? userIn : requestBody;
    }

    @Override
    public OutputStream getResponseBody() {
        return userOut != null ? userOut : responseBody;
    }

    @Override
    public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
        if (headersSent) {
            throw new IOException("headers already sent");
        }
        if (rCode < 100 || rCode > 999) {
            throw new IllegalArgumentException("status code out of range: " + rCode);
        }
        FieldNames.checkToSend(responseHeaders);
        headersSent = true;
        code = rCode;
        long length = responseLength;
        boolean noBody = false;
        boolean noLengthHeader = false;
        if ((rCode >= 100 && rCode < 200) || rCode == 204 || rCode == 304) {
            if (length != -1) {
                LOG.log(System.Logger.Level.WARNING, "sendResponseHeaders: rCode = " + rCode
                        + ": forcing contentLen = -1");
            }
            length = -1;
            noLengthHeader = rCode != 304;
        }
        if (head.isHead() || rCode == 304) {
            if (length >= 0) {
                LOG.log(System.Logger.Level.WARNING,
                        "sendResponseHeaders: being invoked with a content length for a HEAD request");
            }
            noBody = true;
        } else if (length == 0) {
            if (head.http10()) {
                responseBody.untilClose();
                closeAfter = true;
            } else {
                responseHeaders.setOwn("Transfer-encoding", "chunked");
                responseBody.chunked(connection.chunkScratch());
            }
        } else {
            if (length < 0) {
                noBody = true;
                length = 0;
            }
            if (!noLengthHeader) {
                responseHeaders.setOwn("Content-length", Long.toString(length));
            }
            if (!noBody) {
                responseBody.fixed(length);
            }
        }
        if (continuePending()) {
            // The client waits for 100 Continue that will not come: it may or may not send the
            // body now, so the connection cannot be trusted with another request.
            closeAfter = true;
        }
        if (connection.stopping()) {
            closeAfter = true;
        }
        String conn = responseHeaders.getFirst("Connection");
        if (conn != null && conn.equalsIgnoreCase("close")) {
            closeAfter = true;
        }
        responseHeaders.setOwn("Date", Status.date());
        if (closeAfter) {
            responseHeaders.setOwn("Connection", "close");
        } else if (head.http10()) {
            responseHeaders.setOwn("Connection", "keep-alive");
        }
        writeHead(connection.output(), rCode, responseHeaders);
        if (noBody) {
            responseBody.noBody();
            finish();
        }
    }

    /**
     * Writes a response head into the output's buffer piece by piece: no text of the whole head
     * is made first, which was the largest allocation of a small response.
     */
    static void writeHead(HttpOutput out, int rCode, Headers headers) throws IOException {
        out.writeLatin1(Status.line(rCode));
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            String name = e.getKey();
            List<String> values = e.getValue();
            if (values == null) {
                continue;
            }
            for (String v : values) {
                out.writeLatin1(name);
                out.writeLatin1(": ");
                out.writeLatin1(v == null ? "" : v);
                out.writeLatin1("\r\n");
            }
        }
        out.writeLatin1("\r\n");
    }

    /** @param t the thread now running the handler, or null once it returned */
    void handlerThread(Thread t) {
        handlerThread = t;
    }

    /** @return whether the handler runs on the thread, now */
    boolean handlerRunsOn(Thread t) {
        return handlerThread == t;
    }

    /** Called by the request body on its first read. */
    void continueIfExpected() throws IOException {
        if (head.expectContinue() && !continueSent && !headersSent) {
            continueSent = true;
            HttpOutput out = connection.output();
            out.writeLatin1("HTTP/1.1 100 Continue\r\n\r\n");
            out.flush();
        }
    }

    /** @return whether the client waits for a 100 Continue it has not been sent */
    boolean continuePending() {
        return head.expectContinue() && !continueSent && !requestBody.atEnd();
    }

    /** The connection must close after this exchange. */
    void mustClose() {
        closeAfter = true;
    }

    /** @return whether the connection must close after this exchange */
    boolean closeAfter() {
        return closeAfter;
    }

    /** @return whether the request body was read (or drained) to its end */
    boolean requestBodyRead() {
        return requestBody.atEnd();
    }

    /** @return why the request body's framing is bad, or null if it is not (or was not read) */
    HttpError requestRefusal() {
        return requestBody.refusal();
    }

    /** @return whether the response head went out */
    boolean headersSent() {
        return headersSent;
    }

    /**
     * Ends the exchange once: drains the request body (sending the response first, so a client
     * that waits for it before sending the rest is not kept waiting) and wakes the connection.
     */
    void finish() {
        if (finished) {
            return;
        }
        if (!requestBody.atEnd()) {
            try {
                connection.output().flush();
            } catch (IOException e) {
                closeAfter = true;
            }
            if (!closeAfter && !requestBody.drain()) {
                closeAfter = true;
            }
        }
        if (requestBody.broken()) {
            closeAfter = true;
        }
        requestBody.closeQuietly();
        finished = true;
        LockSupport.unpark(waiter);
    }

    /**
     * After the handler failed: if the response is whole all the same (a fixed-length body
     * written in full, its stream not closed), ends the exchange as that close would have.
     *
     * @return whether the exchange has ended, the response whole
     */
    boolean finishIfWhole() {
        if (finished) {
            return true;
        }
        if (!headersSent || !responseBody.writtenInFull()) {
            return false;
        }
        try {
            // Nothing to send and no length to miss: this only ends the exchange.
            responseBody.close();
        } catch (IOException e) {
            abort();
        }
        return true;
    }

    /** Ends the exchange after a failure: nothing more of it goes out, the connection closes. */
    void abort() {
        closeAfter = true;
        responseBody.closeQuietly();
        requestBody.closeQuietly();
        finished = true;
        LockSupport.unpark(waiter);
    }

    /**
     * The connection's thread waits here for a handler that runs elsewhere, or that handed the
     * exchange to another thread.
     *
     * @return false if the server closed the connection while waiting
     */
    boolean awaitFinished() {
        // Bounded by the handler, or by the server's stop, which closes the connection and
        // unparks this thread.
        while (!finished) {
            if (connection.forcedClosed()) {
                return false;
            }
            LockSupport.park(this);
        }
        return true;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (finished) {
            return;
        }
        if (!headersSent) {
            // The JDK closes the connection of an exchange closed without a response.
            abort();
            return;
        }
        try {
            getResponseBody().close();
        } catch (IOException e) {
            closeAfter = true;
        }
        if (!responseBody.isClosed()) {
            // A filter's wrapper stream did not close ours.
            try {
                responseBody.close();
            } catch (IOException e) {
                closeAfter = true;
            }
        }
        if (!finished) {
            finish();
        }
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return connection.remoteAddress();
    }

    @Override
    public int getResponseCode() {
        return code;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return connection.localAddress();
    }

    @Override
    public String getProtocol() {
        return head.protocol();
    }

    /**
     * As the JDK's: an exchange's attributes are its context's attribute map, so they are seen
     * by every exchange of the context, not only this one.
     */
    @Override
    public Object getAttribute(String name) {
        Objects.requireNonNull(name, "null name parameter");
        return context == null ? null : context.getAttributes().get(name);
    }

    /** As the JDK's: sets (or with a null value removes) the attribute in the context's map. */
    @Override
    public void setAttribute(String name, Object value) {
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
    public void setStreams(InputStream i, OutputStream o) {
        if (i != null) {
            userIn = i;
        }
        if (o != null) {
            userOut = o;
        }
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return principal;
    }

    void principal(HttpPrincipal p) {
        this.principal = p;
    }

    @Override
    public String toString() {
        return head.method() + " " + head.target() + " " + head.protocol();
    }
}
