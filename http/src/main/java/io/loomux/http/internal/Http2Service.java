package io.loomux.http.internal;

/**
 * HTTP/2 as the HTTP/1.1 side sees it: how a connection is recognised as HTTP/2, and who serves
 * it from there. Declared here and implemented in the {@code h2} package, which the server is
 * handed at construction, so that this package does not depend on that one.
 */
public interface Http2Service {

    /** @return the octets every HTTP/2 client sends first (RFC 9113 section 3.4) */
    byte[] preface();

    /**
     * Serves an HTTP/2 connection on the calling thread until it ends, then closes it and takes
     * it off the server's books. The input holds the client's first bytes, unconsumed, preface
     * included.
     *
     * @param server    the server
     * @param replaced  the connection's HTTP/1.1 entry in the server's books, which the HTTP/2
     *                  connection takes over (the accept permit stays held)
     * @param transport the connection's byte stream
     * @param in        the connection's input, with its buffer
     */
    void serve(ServerCore server, ServedConnection replaced, Transport transport, HttpInput in);

    /**
     * As {@link #serve}, for a connection whose HTTP/1.1 request asked to upgrade and was answered
     * 101: the request is served as stream 1, and the client's preface comes next.
     *
     * @param upgrade the request that asked, its body read whole
     */
    void serveUpgraded(ServerCore server, ServedConnection replaced, Transport transport, HttpInput in,
                       H2cUpgrade upgrade);
}
