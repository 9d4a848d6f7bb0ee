package io.loomux.bench.soak;

/** What a server under soak speaks, and so how a client talks to it. */
enum Kind {
    /** {@code TcpServer} echo, a virtual thread per connection ({@code handler}). */
    ECHO_THREADS("echo-threads", false),
    /** {@code TcpServer} echo in turns ({@code readableHandler}): no thread while idle. */
    ECHO_TURNS("echo-turns", false),
    /** The HTTP server of {@code LoomuxHttpServerProvider}, echoing each request body. */
    HTTP("http", true),
    /** The same over TLS. */
    HTTPS("https", true),
    /**
     * The HTTP server with HTTP/2 on: well-behaved clients speak h2c with prior knowledge, each
     * message a stream of its own; misbehaving ones speak HTTP/1.1 to it, which it serves too.
     */
    H2C("h2c", true),
    /**
     * The HTTPS server with HTTP/2 on: well-behaved clients offer h2 alone through ALPN and speak
     * HTTP/2 over TLS as to {@link #H2C}; misbehaving ones offer nothing and get HTTP/1.1.
     */
    H2("h2", true);

    private final String label;
    private final boolean http;

    Kind(String label, boolean http) {
        this.label = label;
        this.http = http;
    }

    String label() {
        return label;
    }

    boolean http() {
        return http;
    }

    /** @return whether well-behaved clients speak HTTP/2 to it */
    boolean h2() {
        return this == H2C || this == H2;
    }

    /** @return whether it is served over TLS */
    boolean tls() {
        return this == HTTPS || this == H2;
    }
}
