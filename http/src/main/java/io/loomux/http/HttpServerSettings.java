package io.loomux.http;

import io.loomux.http.internal.SettingChecks;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The limits an HTTP server on loomux keeps. Every one is a setting with a documented default;
 * {@link #fromSystemProperties()} reads {@code loomux.http.*} system properties and, where they
 * mean the same thing, the JDK's own {@code sun.net.httpserver.*} and {@code jdk.httpserver.*}
 * properties (a {@code loomux.http.*} property wins when both are set).
 *
 * <table>
 *   <caption>Settings, their properties and defaults</caption>
 *   <tr><th>setting</th><th>loomux property</th><th>JDK property honoured</th><th>default</th></tr>
 *   <tr><td>{@link #maxConnections()}</td><td>loomux.http.maxConnections</td>
 *       <td>jdk.httpserver.maxConnections</td><td>10,000; more wait in the listen backlog</td></tr>
 *   <tr><td>{@link #maxRequestLineLength()}</td><td>loomux.http.maxRequestLineLength</td><td></td>
 *       <td>8,192 bytes; longer gets 414</td></tr>
 *   <tr><td>{@link #maxHeaderBytes()}</td><td>loomux.http.maxHeaderBytes</td>
 *       <td>sun.net.httpserver.maxReqHeaderSize</td><td>65,536 bytes; more gets 431</td></tr>
 *   <tr><td>{@link #maxHeaders()}</td><td>loomux.http.maxHeaders</td>
 *       <td>sun.net.httpserver.maxReqHeaders</td><td>200; more gets 431</td></tr>
 *   <tr><td>{@link #idleTimeout()}</td><td>loomux.http.idleTimeout (seconds)</td>
 *       <td>sun.net.httpserver.idleInterval</td><td>30 s between requests, and between
 *       reads of a request body</td></tr>
 *   <tr><td>{@link #headerTimeout()}</td><td>loomux.http.headerTimeout (seconds)</td>
 *       <td>sun.net.httpserver.maxReqTime</td><td>20 s from a request's first byte to the end of
 *       its header, slower gets 408; and from a new connection's start to its first request's
 *       first byte, slower is closed without an answer</td></tr>
 *   <tr><td>{@link #drainLimit()}</td><td>loomux.http.drainLimit</td>
 *       <td>sun.net.httpserver.drainAmount</td><td>65,536 bytes of an unread request body are
 *       read and discarded to keep the connection; a longer one closes it</td></tr>
 *   <tr><td>{@link #tcpNoDelay()}</td><td>loomux.http.tcpNoDelay</td>
 *       <td>sun.net.httpserver.nodelay</td><td>true (responses leave in one write each)</td></tr>
 *   <tr><td>{@link #pathMatcher()}</td><td>loomux.http.pathMatcher</td><td>sun.net.httpserver.pathMatcher</td>
 *       <td>{@code stringPrefix}, the JDK's; {@code pathPrefix} matches whole path segments</td></tr>
 *   <tr><td>{@link #requireHost()}</td><td>loomux.http.requireHost</td><td></td>
 *       <td>true: an HTTP/1.1 request without Host gets 400 (RFC 9112 section 3.2); false
 *       serves it, as the JDK does</td></tr>
 *   <tr><td>{@link #http2()}</td><td>loomux.http.http2</td><td></td>
 *       <td>true: HTTP/2 beside HTTP/1.1 on the same port (h2 through ALPN over TLS, h2c on a
 *       plain server); {@code false} serves HTTP/1.1 alone</td></tr>
 *   <tr><td>{@link #http2MaxConcurrentStreams()}</td><td>loomux.http.http2MaxConcurrentStreams</td><td></td>
 *       <td>100 streams of one HTTP/2 connection at once; more are refused</td></tr>
 *   <tr><td>{@link #http2InitialWindowSize()}</td><td>loomux.http.http2InitialWindowSize</td><td></td>
 *       <td>65,535 bytes of a request body a client may send ahead of the handler's reads</td></tr>
 *   <tr><td>{@link #http2MaxFrameSize()}</td><td>loomux.http.http2MaxFrameSize</td><td></td>
 *       <td>16,384 bytes, the largest HTTP/2 frame payload accepted</td></tr>
 *   <tr><td>{@link #http2HeaderTableSize()}</td><td>loomux.http.http2HeaderTableSize</td><td></td>
 *       <td>4,096 bytes of HPACK table a client may make the server keep per connection</td></tr>
 * </table>
 *
 * <p>An HTTP/2 request's header fields are held to {@link #maxHeaderBytes()} (counted as HPACK
 * counts them, 32 bytes more per field) and {@link #maxHeaders()}, as HTTP/1.1's are.
 *
 * <p>A JDK property set to zero or a negative number means "no limit" to the JDK; here it is
 * ignored and the default applies, because an unbounded server is not a setting we offer.
 * Instances are immutable; build one with {@link #builder()}.
 */
public final class HttpServerSettings {

    /** How a request path is matched to a context's path. */
    public enum PathMatcher {
        /**
         * A context path matches every request path that starts with it ({@code /app} matches
         * {@code /apple}): the JDK's rule, and the default.
         */
        STRING_PREFIX,
        /**
         * A context path matches a request path equal to it, or one that continues it with a
         * {@code /} (so {@code /app} matches {@code /app/x} but not {@code /apple}); a context
         * path ending in {@code /} matches every path under it.
         */
        PATH_PREFIX
    }

    private static final HttpServerSettings DEFAULTS = new Builder().build();

    private final int maxConnections;
    private final int maxRequestLineLength;
    private final int maxHeaderBytes;
    private final int maxHeaders;
    private final Duration idleTimeout;
    private final Duration headerTimeout;
    private final long drainLimit;
    private final boolean tcpNoDelay;
    private final PathMatcher pathMatcher;
    private final boolean requireHost;
    private final boolean http2;
    private final int http2MaxConcurrentStreams;
    private final int http2InitialWindowSize;
    private final int http2MaxFrameSize;
    private final int http2HeaderTableSize;

    private HttpServerSettings(Builder b) {
        this.maxConnections = b.maxConnections;
        this.maxRequestLineLength = b.maxRequestLineLength;
        this.maxHeaderBytes = b.maxHeaderBytes;
        this.maxHeaders = b.maxHeaders;
        this.idleTimeout = b.idleTimeout;
        this.headerTimeout = b.headerTimeout;
        this.drainLimit = b.drainLimit;
        this.tcpNoDelay = b.tcpNoDelay;
        this.pathMatcher = b.pathMatcher;
        this.requireHost = b.requireHost;
        this.http2 = b.http2;
        this.http2MaxConcurrentStreams = b.http2MaxConcurrentStreams;
        this.http2InitialWindowSize = b.http2InitialWindowSize;
        this.http2MaxFrameSize = b.http2MaxFrameSize;
        this.http2HeaderTableSize = b.http2HeaderTableSize;
    }

    /** @return the defaults in the table above */
    public static HttpServerSettings defaults() {
        return DEFAULTS;
    }

    /** @return a builder starting from the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder starting from these settings */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxConnections = maxConnections;
        b.maxRequestLineLength = maxRequestLineLength;
        b.maxHeaderBytes = maxHeaderBytes;
        b.maxHeaders = maxHeaders;
        b.idleTimeout = idleTimeout;
        b.headerTimeout = headerTimeout;
        b.drainLimit = drainLimit;
        b.tcpNoDelay = tcpNoDelay;
        b.pathMatcher = pathMatcher;
        b.requireHost = requireHost;
        b.http2 = http2;
        b.http2MaxConcurrentStreams = http2MaxConcurrentStreams;
        b.http2InitialWindowSize = http2InitialWindowSize;
        b.http2MaxFrameSize = http2MaxFrameSize;
        b.http2HeaderTableSize = http2HeaderTableSize;
        return b;
    }

    /**
     * Reads the system properties in the table above over the defaults.
     *
     * @return the settings
     * @throws IllegalArgumentException naming the property, if one holds a value that is not a
     *     number (or boolean, or matcher name) in range
     */
    public static HttpServerSettings fromSystemProperties() {
        Builder b = new Builder();
        Integer i;
        if ((i = intProperty("jdk.httpserver.maxConnections", true)) != null) {
            b.maxConnections(i);
        }
        if ((i = intProperty("loomux.http.maxConnections", false)) != null) {
            b.maxConnections(i);
        }
        if ((i = intProperty("loomux.http.maxRequestLineLength", false)) != null) {
            b.maxRequestLineLength(i);
        }
        if ((i = intProperty("sun.net.httpserver.maxReqHeaderSize", true)) != null) {
            b.maxHeaderBytes(i);
        }
        if ((i = intProperty("loomux.http.maxHeaderBytes", false)) != null) {
            b.maxHeaderBytes(i);
        }
        if ((i = intProperty("sun.net.httpserver.maxReqHeaders", true)) != null) {
            b.maxHeaders(i);
        }
        if ((i = intProperty("loomux.http.maxHeaders", false)) != null) {
            b.maxHeaders(i);
        }
        Duration d;
        if ((d = secondsProperty("sun.net.httpserver.idleInterval", true)) != null) {
            b.idleTimeout(d);
        }
        if ((d = secondsProperty("loomux.http.idleTimeout", false)) != null) {
            b.idleTimeout(d);
        }
        if ((d = secondsProperty("sun.net.httpserver.maxReqTime", true)) != null) {
            b.headerTimeout(d);
        }
        if ((d = secondsProperty("loomux.http.headerTimeout", false)) != null) {
            b.headerTimeout(d);
        }
        if ((i = intProperty("sun.net.httpserver.drainAmount", true)) != null) {
            b.drainLimit(i);
        }
        if ((i = intProperty("loomux.http.drainLimit", false)) != null) {
            b.drainLimit(i);
        }
        Boolean z;
        if ((z = booleanProperty("sun.net.httpserver.nodelay")) != null) {
            b.tcpNoDelay(z);
        }
        if ((z = booleanProperty("loomux.http.tcpNoDelay")) != null) {
            b.tcpNoDelay(z);
        }
        if ((z = booleanProperty("loomux.http.requireHost")) != null) {
            b.requireHost(z);
        }
        if ((z = booleanProperty("loomux.http.http2")) != null) {
            b.http2(z);
        }
        if ((i = intProperty("loomux.http.http2MaxConcurrentStreams", false)) != null) {
            b.http2MaxConcurrentStreams(i);
        }
        if ((i = intProperty("loomux.http.http2InitialWindowSize", false)) != null) {
            b.http2InitialWindowSize(i);
        }
        if ((i = intProperty("loomux.http.http2MaxFrameSize", false)) != null) {
            b.http2MaxFrameSize(i);
        }
        if ((i = intProperty("loomux.http.http2HeaderTableSize", false)) != null) {
            b.http2HeaderTableSize(i);
        }
        for (String name : new String[] {"sun.net.httpserver.pathMatcher", "loomux.http.pathMatcher"}) {
            String m = property(name);
            if (m != null) {
                b.pathMatcher(switch (m) {
                    case "pathPrefix" -> PathMatcher.PATH_PREFIX;
                    case "stringPrefix" -> PathMatcher.STRING_PREFIX;
                    default -> throw new IllegalArgumentException("-D" + name + "=" + m
                            + " is neither pathPrefix nor stringPrefix");
                });
            }
        }
        return b.build();
    }

    /** @return the most connections open at once; more wait in the listen backlog */
    public int maxConnections() {
        return maxConnections;
    }

    /** @return the longest request line in bytes (without its CRLF); longer gets 414 */
    public int maxRequestLineLength() {
        return maxRequestLineLength;
    }

    /** @return the most bytes of header fields in one request (or chunked trailer); more gets 431 */
    public int maxHeaderBytes() {
        return maxHeaderBytes;
    }

    /** @return the most header fields in one request; more gets 431 */
    public int maxHeaders() {
        return maxHeaders;
    }

    /** @return how long a connection may wait for its next request, or a body read for bytes */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /**
     * @return how long a request may take from its first byte to the end of its header (else
     *     408), and how long a new connection may wait before its first request begins (else it
     *     is closed without an answer)
     */
    public Duration headerTimeout() {
        return headerTimeout;
    }

    /** @return how many bytes of a request body the handler left unread are discarded to keep the connection */
    public long drainLimit() {
        return drainLimit;
    }

    /** @return whether accepted connections set TCP_NODELAY */
    public boolean tcpNoDelay() {
        return tcpNoDelay;
    }

    /** @return how request paths are matched to context paths */
    public PathMatcher pathMatcher() {
        return pathMatcher;
    }

    /**
     * Whether an HTTP/1.1 request must carry a Host header. RFC 9112 section 3.2 says a server
     * must answer 400 to one without (and to one with more than one); the JDK's server serves
     * it. Turn this off for programs whose old clients send no Host: such a request is then
     * served, with no Host among its headers. A request with two Host headers still gets 400.
     *
     * @return true (the default) if an HTTP/1.1 request without Host gets 400
     */
    public boolean requireHost() {
        return requireHost;
    }

    /**
     * Whether the server speaks HTTP/2: h2c on a plain server (a client's preface on a new
     * connection, or {@code Upgrade: h2c}), h2 through ALPN on an HTTPS one. HTTP/1.1 is served
     * on the same port either way. On by default; {@code -Dloomux.http.http2=false} (read by
     * {@link #fromSystemProperties()}) or {@code builder().http2(false)} turns it off. A program's
     * {@link javax.net.ssl.SSLParameters} that name application protocols rule over TLS whatever
     * this says.
     *
     * @return true (the default) if HTTP/2 is offered; false for HTTP/1.1 only
     */
    public boolean http2() {
        return http2;
    }

    /** @return the most streams a client may have open at once on one HTTP/2 connection */
    public int http2MaxConcurrentStreams() {
        return http2MaxConcurrentStreams;
    }

    /**
     * @return how many bytes of a request body a client may send on one HTTP/2 stream before the
     *     handler reads them (SETTINGS_INITIAL_WINDOW_SIZE; the connection's window is the same)
     */
    public int http2InitialWindowSize() {
        return http2InitialWindowSize;
    }

    /** @return the largest HTTP/2 frame payload the server accepts (SETTINGS_MAX_FRAME_SIZE) */
    public int http2MaxFrameSize() {
        return http2MaxFrameSize;
    }

    /** @return the HPACK dynamic table size a client may use (SETTINGS_HEADER_TABLE_SIZE) */
    public int http2HeaderTableSize() {
        return http2HeaderTableSize;
    }

    @Override
    public String toString() {
        return "HttpServerSettings[maxConnections=" + maxConnections + ", maxRequestLineLength=" + maxRequestLineLength
                + ", maxHeaderBytes=" + maxHeaderBytes + ", maxHeaders=" + maxHeaders + ", idleTimeout=" + idleTimeout
                + ", headerTimeout=" + headerTimeout + ", drainLimit=" + drainLimit + ", tcpNoDelay=" + tcpNoDelay
                + ", pathMatcher=" + pathMatcher + ", requireHost=" + requireHost + ", http2=" + http2
                + ", http2MaxConcurrentStreams=" + http2MaxConcurrentStreams + ", http2InitialWindowSize="
                + http2InitialWindowSize + ", http2MaxFrameSize=" + http2MaxFrameSize + ", http2HeaderTableSize="
                + http2HeaderTableSize + "]";
    }

    private static String property(String name) {
        String v = System.getProperty(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** @param jdk whether it is a JDK property, where zero or less means "no limit" and is ignored */
    private static Integer intProperty(String name, boolean jdk) {
        String v = property(name);
        if (v == null) {
            return null;
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + "=" + v + " is not a whole number", e);
        }
        if (n <= 0 && jdk) {
            return null;
        }
        if (n <= 0 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("-D" + name + "=" + v + " must be from 1 to " + Integer.MAX_VALUE);
        }
        return (int) n;
    }

    private static Duration secondsProperty(String name, boolean jdk) {
        String v = property(name);
        if (v == null) {
            return null;
        }
        double s;
        try {
            s = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + "=" + v + " is not a number of seconds", e);
        }
        if (s <= 0 && jdk) {
            return null;
        }
        if (!(s > 0) || s > 1e9) {
            throw new IllegalArgumentException("-D" + name + "=" + v + " must be a number of seconds above 0");
        }
        return Duration.ofNanos((long) (s * 1e9));
    }

    private static Boolean booleanProperty(String name) {
        String v = property(name);
        if (v == null) {
            return null;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("-D" + name + "=" + v + " is neither true nor false");
        };
    }

    /** Builds {@link HttpServerSettings}; every setter rejects a value out of range. */
    public static final class Builder {
        private int maxConnections = 10_000;
        private int maxRequestLineLength = 8192;
        private int maxHeaderBytes = 65_536;
        private int maxHeaders = 200;
        private Duration idleTimeout = Duration.ofSeconds(30);
        private Duration headerTimeout = Duration.ofSeconds(20);
        private long drainLimit = 65_536;
        private boolean tcpNoDelay = true;
        private PathMatcher pathMatcher = PathMatcher.STRING_PREFIX;
        private boolean requireHost = true;
        private boolean http2 = true;
        private int http2MaxConcurrentStreams = 100;
        private int http2InitialWindowSize = 65_535;
        private int http2MaxFrameSize = 16_384;
        private int http2HeaderTableSize = 4096;

        private Builder() {
        }

        /**
         * @param n at least 1
         * @return this
         */
        public Builder maxConnections(int n) {
            this.maxConnections = positive("maxConnections", n);
            return this;
        }

        /**
         * @param n at least 16
         * @return this
         */
        public Builder maxRequestLineLength(int n) {
            this.maxRequestLineLength = atLeast("maxRequestLineLength", n, 16);
            return this;
        }

        /**
         * @param n at least 256
         * @return this
         */
        public Builder maxHeaderBytes(int n) {
            this.maxHeaderBytes = atLeast("maxHeaderBytes", n, 256);
            return this;
        }

        /**
         * @param n at least 1
         * @return this
         */
        public Builder maxHeaders(int n) {
            this.maxHeaders = positive("maxHeaders", n);
            return this;
        }

        /**
         * @param d above zero
         * @return this
         */
        public Builder idleTimeout(Duration d) {
            this.idleTimeout = positive("idleTimeout", d);
            return this;
        }

        /**
         * @param d above zero
         * @return this
         */
        public Builder headerTimeout(Duration d) {
            this.headerTimeout = positive("headerTimeout", d);
            return this;
        }

        /**
         * @param bytes zero (never drain: close instead) or more
         * @return this
         */
        public Builder drainLimit(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("drainLimit must not be negative: " + bytes);
            }
            this.drainLimit = bytes;
            return this;
        }

        /**
         * @param on whether to set TCP_NODELAY on accepted connections
         * @return this
         */
        public Builder tcpNoDelay(boolean on) {
            this.tcpNoDelay = on;
            return this;
        }

        /**
         * @param m how request paths match context paths
         * @return this
         */
        public Builder pathMatcher(PathMatcher m) {
            this.pathMatcher = Objects.requireNonNull(m, "pathMatcher");
            return this;
        }

        /**
         * @param required whether an HTTP/1.1 request without Host gets 400 (true, the default)
         *                 or is served, as by the JDK's server (false); see
         *                 {@link HttpServerSettings#requireHost()}
         * @return this
         */
        public Builder requireHost(boolean required) {
            this.requireHost = required;
            return this;
        }

        /**
         * @param on whether to speak HTTP/2 beside HTTP/1.1 (true, the default; false for HTTP/1.1
         *           alone); see {@link HttpServerSettings#http2()}
         * @return this
         */
        public Builder http2(boolean on) {
            this.http2 = on;
            return this;
        }

        /**
         * @param n at least 1
         * @return this
         */
        public Builder http2MaxConcurrentStreams(int n) {
            this.http2MaxConcurrentStreams = positive("http2MaxConcurrentStreams", n);
            return this;
        }

        /**
         * @param bytes from 1 to 2^31-1 (RFC 9113 section 6.5.2)
         * @return this
         */
        public Builder http2InitialWindowSize(int bytes) {
            this.http2InitialWindowSize = positive("http2InitialWindowSize", bytes);
            return this;
        }

        /**
         * @param bytes from 16,384 to 16,777,215 (RFC 9113 section 6.5.2)
         * @return this
         */
        public Builder http2MaxFrameSize(int bytes) {
            int n = atLeast("http2MaxFrameSize", bytes, 16_384);
            if (n > 16_777_215) {
                throw new IllegalArgumentException("http2MaxFrameSize must be at most 16777215: " + n);
            }
            this.http2MaxFrameSize = n;
            return this;
        }

        /**
         * @param bytes from 0 to 65,536: what each connection's HPACK decoder may be made to keep
         * @return this
         */
        public Builder http2HeaderTableSize(int bytes) {
            if (bytes < 0 || bytes > 65_536) {
                throw new IllegalArgumentException("http2HeaderTableSize must be from 0 to 65536: " + bytes);
            }
            this.http2HeaderTableSize = bytes;
            return this;
        }

        /** @return the settings */
        public HttpServerSettings build() {
            return new HttpServerSettings(this);
        }

        private static int positive(String what, int n) {
            return atLeast(what, n, 1);
        }

        private static int atLeast(String what, int n, int min) {
            return SettingChecks.atLeast(what, n, min);
        }

        private static Duration positive(String what, Duration d) {
            return SettingChecks.positive(what, d);
        }
    }
}
