package io.loomux.http.internal;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * One HTTP/1.1 request and its response: the {@link HttpExchange} handlers see on a plain
 * connection, and the state behind {@link HttpsExchangeImpl} on a TLS one.
 *
 * <p>Lifecycle: the connection's thread makes it, runs (or hands to the executor) the handler,
 * then waits in {@link #awaitFinished()}. The exchange finishes when the response body is closed
 * (or the exchange is), or when a body-less head is sent; {@link #finish()} drains what is left
 * of the request body, then wakes the connection's thread. Only one thread uses the connection's
 * input and output at a time: the handler's until {@code finished} is set, the connection's
 * after (the volatile write and read order them).
 */
final class ExchangeImpl extends AbstractExchange {

    private final Http1Connection connection;
    private final RequestHead head;
    private final RequestBody requestBody;
    private final ResponseBody responseBody;
    private boolean continueSent;
    private boolean closeAfter;
    private volatile boolean finished;
    private final Thread waiter;

    ExchangeImpl(Http1Connection connection, RequestHead head, ContextImpl context) {
        super(context, head.headers());
        this.connection = connection;
        this.head = head;
        this.requestBody = new RequestBody(this, connection.input(), connection.settings(), head.contentLength());
        this.responseBody = new ResponseBody(this, connection.output());
        this.closeAfter = !head.keepAlive();
        this.waiter = Thread.currentThread();
    }

    Http1Connection connection() {
        return connection;
    }

    RequestHead head() {
        return head;
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
    protected InputStream rawRequestBody() {
        return requestBody;
    }

    @Override
    protected OutputStream rawResponseBody() {
        return responseBody;
    }

    @Override
    public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
        beginHead(rCode);
        ResponseHeaders responseHeaders = responseFields();
        ResponseFraming framing = ResponseFraming.decide(rCode, responseLength, head.isHead());
        switch (framing.body()) {
            case NONE -> { }
            case FIXED -> responseBody.fixed(framing.contentLength());
            case STREAMED -> {
                if (head.http10()) {
                    responseBody.untilClose();
                    closeAfter = true;
                } else {
                    responseHeaders.setOwn("Transfer-encoding", "chunked");
                    responseBody.chunked(connection.chunkScratch());
                }
            }
        }
        if (framing.contentLength() >= 0) {
            responseHeaders.setOwn("Content-length", Long.toString(framing.contentLength()));
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
        if (framing.body() == ResponseFraming.Body.NONE) {
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

    /**
     * Answers {@code 101 Switching Protocols} with the response fields the handler set, and sends
     * it: from here the connection's bytes belong to the protocol switched to (see
     * {@link ProtocolSwitch}). The exchange ends with {@link #switched()}.
     */
    void switchProtocols() throws IOException {
        beginHead(101);
        responseBody.noBody();
        writeHead(connection.output(), 101, responseFields());
        connection.handOver();
    }

    /** The switch is done: the exchange is over, and its connection's thread leaves the connection be. */
    void switched() {
        finished = true;
        LockSupport.unpark(waiter);
    }

    /** Called by the request body on its first read. */
    void continueIfExpected() throws IOException {
        if (head.expectContinue() && !continueSent && !headersSent()) {
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
    @Override
    public void mustClose() {
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
    @Override
    public HttpError requestRefusal() {
        return requestBody.refusal();
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

    @Override
    protected boolean ended() {
        return finished;
    }

    @Override
    protected boolean responseBodyClosed() {
        return responseBody.isClosed();
    }

    @Override
    protected boolean responseWrittenInFull() {
        return responseBody.writtenInFull();
    }

    @Override
    protected void closeFailed() {
        closeAfter = true;
    }

    @Override
    protected void closed() {
        if (!finished) {
            finish();
        }
    }

    /** Ends the exchange after a failure: nothing more of it goes out, the connection closes. */
    @Override
    public void abort() {
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
    public InetSocketAddress getRemoteAddress() {
        return connection.remoteAddress();
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return connection.localAddress();
    }

    @Override
    public String getProtocol() {
        return head.protocol();
    }

    @Override
    public String toString() {
        return head.method() + " " + head.target() + " " + head.protocol();
    }
}
