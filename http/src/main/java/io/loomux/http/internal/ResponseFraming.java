package io.loomux.http.internal;

/**
 * How a response's body is framed, decided by {@code sendResponseHeaders} from the status, the
 * length the handler gave and whether the request was a HEAD: the JDK's rules, kept in one place
 * so that every protocol answers a handler's call the same way.
 *
 * <ul>
 *   <li>1xx, 204 and 304 have no body and send no length, whatever the length given;</li>
 *   <li>a HEAD's response has no body and no length;</li>
 *   <li>{@code 0} means a body of unknown length (chunked on HTTP/1.1, until close on 1.0, DATA
 *       until the stream ends on HTTP/2);</li>
 *   <li>{@code -1} means no body, said as a length of {@code 0};</li>
 *   <li>{@code n > 0} means exactly {@code n} bytes.</li>
 * </ul>
 *
 * @param body          whether and how a body follows
 * @param contentLength the {@code Content-length} to send, or -1 to send none
 */
public record ResponseFraming(Body body, long contentLength) {

    private static final System.Logger LOG = System.getLogger("io.loomux.http");

    /** Whether and how a response body follows its head. */
    public enum Body {
        /** None: the exchange ends with the head. */
        NONE,
        /** Exactly {@link #contentLength()} bytes. */
        FIXED,
        /** Bytes until the handler closes the body; the length is not known up front. */
        STREAMED
    }

    private static final ResponseFraming BARE = new ResponseFraming(Body.NONE, -1);
    private static final ResponseFraming EMPTY = new ResponseFraming(Body.NONE, 0);
    private static final ResponseFraming STREAMED = new ResponseFraming(Body.STREAMED, -1);

    /**
     * @param code   the status, 100 to 999
     * @param length what the handler passed to {@code sendResponseHeaders}
     * @param head   whether the request's method is HEAD
     * @return the framing the response goes out with
     */
    public static ResponseFraming decide(int code, long length, boolean head) {
        if ((code >= 100 && code < 200) || code == 204 || code == 304) {
            if (length != -1) {
                LOG.log(System.Logger.Level.WARNING, "sendResponseHeaders: rCode = " + code
                        + ": forcing contentLen = -1");
            }
            return BARE;
        }
        if (head) {
            if (length >= 0) {
                LOG.log(System.Logger.Level.WARNING,
                        "sendResponseHeaders: being invoked with a content length for a HEAD request");
            }
            return BARE;
        }
        if (length == 0) {
            return STREAMED;
        }
        if (length < 0) {
            return EMPTY;
        }
        return new ResponseFraming(Body.FIXED, length);
    }
}
