package io.loomux.http.internal.h2;

import io.loomux.http.internal.AbstractExchange;
import io.loomux.http.internal.ContextImpl;
import io.loomux.http.internal.HttpError;
import io.loomux.http.internal.RequestHeaders;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * The {@link com.sun.net.httpserver.HttpExchange} of one HTTP/2 stream: the request its header
 * block and DATA frames carried, the response its handler sends as HEADERS and DATA. The rules
 * of {@code sendResponseHeaders} are HTTP/1.1's ({@code ResponseFraming}); what differs is that
 * the exchange's end is the stream's end, never the connection's.
 */
final class StreamExchange extends AbstractExchange {

    private final Http2Connection connection;
    private final StreamTable table;
    private final Http2Stream stream;
    private final String method;
    private final URI uri;
    private final StreamRequestBody requestBody;
    private final StreamResponseBody responseBody;
    /** The client waits for a 100 (Continue) before its body; cleared once one went (or a head did). */
    private boolean expectContinue;

    StreamExchange(Http2Connection connection, StreamTable table, Http2Stream stream, String method, URI uri, RequestHeaders headers,
                   boolean expectContinue, ContextImpl context) {
        super(context, headers);
        this.connection = connection;
        this.table = table;
        this.stream = stream;
        this.method = method;
        this.uri = uri;
        this.requestBody = new StreamRequestBody(table, stream, this);
        this.responseBody = new StreamResponseBody(table, stream);
        this.expectContinue = expectContinue;
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
    public URI getRequestURI() {
        return uri;
    }

    @Override
    public String getRequestMethod() {
        return method;
    }

    @Override
    public String getProtocol() {
        return "HTTP/2.0";
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
    public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
        beginHead(rCode);
        responseBody.begin(ResponseFields.send(table, stream, rCode, responseLength,
                "HEAD".equals(method), responseFields()));
    }

    /**
     * Called by the request body before its first read: a client that said
     * {@code expect: 100-continue} gets its interim response now, as HTTP/1.1's does.
     */
    void continueIfExpected() throws IOException {
        if (expectContinue && !headersSent()) {
            expectContinue = false;
            table.sendHeaders(stream, 100, java.util.List.of(), false);
            table.flush();
        }
    }

    /** HTTP/2 never closes a connection for one exchange: each stream ends on its own. */
    @Override
    public void mustClose() {
    }

    @Override
    protected boolean ended() {
        return responseBody.ended();
    }

    @Override
    protected boolean responseBodyClosed() {
        return responseBody.ended();
    }

    @Override
    protected boolean responseWrittenInFull() {
        return responseBody.writtenInFull();
    }

    /** A failed close has reset the stream already, or the connection is gone: nothing to add. */
    @Override
    protected void closeFailed() {
    }

    @Override
    protected void closed() {
        requestBody.close();
    }

    @Override
    public void abort() {
        responseBody.abandon();
        table.resetStream(stream, ErrorCode.INTERNAL_ERROR);
    }

    /** HTTP/2's framing errors are stream errors, answered by the connection: none reach here. */
    @Override
    public HttpError requestRefusal() {
        return null;
    }

    @Override
    public String toString() {
        return method + " " + uri + " HTTP/2.0 (" + stream + ")";
    }
}
