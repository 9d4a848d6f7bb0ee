package io.loomux.http.websocket;

import io.loomux.http.internal.SettingChecks;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The limits and choices of a server's WebSockets. {@link #defaults()} and {@link #builder()}
 * start from the values below, each overridden by its {@code loomux.ws.*} system property when
 * one is set (read when the call is made). Instances are immutable.
 *
 * <table>
 *   <caption>Settings, their properties and defaults</caption>
 *   <tr><th>setting</th><th>property</th><th>default</th></tr>
 *   <tr><td>{@link #maxMessageSize()}</td><td>loomux.ws.maxMessageSize</td>
 *       <td>1 MiB; a longer message (by its frames' declared lengths) closes with 1009</td></tr>
 *   <tr><td>{@link #maxFrameSize()}</td><td>loomux.ws.maxFrameSize</td>
 *       <td>1 MiB; a frame declaring more closes with 1009</td></tr>
 *   <tr><td>{@link #idleTimeout()}</td><td>loomux.ws.idleTimeout (seconds)</td>
 *       <td>300 s; with a thread in {@code receive()} and nothing heard for half of it a Ping is
 *       sent, for all of it the WebSocket is closed with 1001</td></tr>
 *   <tr><td>{@link #closeTimeout()}</td><td>loomux.ws.closeTimeout (seconds)</td>
 *       <td>5 s for the peer's Close after ours; then the connection is closed</td></tr>
 *   <tr><td>{@link #sendTimeout()}</td><td>loomux.ws.sendTimeout (seconds)</td>
 *       <td>30 s for a send the peer does not read; then the connection is closed</td></tr>
 *   <tr><td>{@link #permessageDeflate()}</td><td>loomux.ws.permessageDeflate</td>
 *       <td>false; when true, a client's permessage-deflate offer (RFC 7692) is accepted</td></tr>
 *   <tr><td>{@link #deflateNoContextTakeover()}</td><td>loomux.ws.deflateNoContextTakeover</td>
 *       <td>false; when true, the server compresses each message with an empty window, and holds
 *       no compressor between messages</td></tr>
 *   <tr><td>{@link #originCheck()}</td><td></td><td>every origin (and none) accepted; a refused
 *       one is answered 403</td></tr>
 *   <tr><td>{@link #subprotocols()}</td><td></td><td>none; {@link WebSockets#handler} chooses
 *       the first the client asks for that is in this list</td></tr>
 * </table>
 */
public final class WebSocketSettings {

    private final int maxMessageSize;
    private final int maxFrameSize;
    private final Duration idleTimeout;
    private final Duration closeTimeout;
    private final Duration sendTimeout;
    private final boolean permessageDeflate;
    private final boolean deflateNoContextTakeover;
    private final Predicate<Optional<String>> originCheck;
    private final List<String> subprotocols;

    private WebSocketSettings(Builder b) {
        this.maxMessageSize = b.maxMessageSize;
        this.maxFrameSize = b.maxFrameSize;
        this.idleTimeout = b.idleTimeout;
        this.closeTimeout = b.closeTimeout;
        this.sendTimeout = b.sendTimeout;
        this.permessageDeflate = b.permessageDeflate;
        this.deflateNoContextTakeover = b.deflateNoContextTakeover;
        this.originCheck = b.originCheck;
        this.subprotocols = b.subprotocols;
    }

    /** @return the defaults, with any {@code loomux.ws.*} system property applied */
    public static WebSocketSettings defaults() {
        return builder().build();
    }

    /** @return a builder holding {@link #defaults()} */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the largest message accepted, in bytes (its frames' payloads together) */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** @return the largest frame payload accepted, in bytes */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** @return how long a receiving WebSocket may hear nothing before it is closed */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** @return how long a Close sent waits for the peer's before the connection is closed */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** @return how long a send may wait for the peer to read before the connection is closed */
    public Duration sendTimeout() {
        return sendTimeout;
    }

    /**
     * @return whether a client's permessage-deflate offer (RFC 7692) is accepted, so that messages
     *     go compressed both ways
     */
    public boolean permessageDeflate() {
        return permessageDeflate;
    }

    /**
     * @return whether, with permessage-deflate, the server compresses each message with an empty
     *     window ({@code server_no_context_takeover}): less compression, no compressor (about
     *     256 KiB of native memory) kept per connection between messages
     */
    public boolean deflateNoContextTakeover() {
        return deflateNoContextTakeover;
    }

    /** @return decides from the request's {@code Origin} (empty if none) whether to accept it */
    public Predicate<Optional<String>> originCheck() {
        return originCheck;
    }

    /** @return the subprotocols the server speaks, for {@link WebSockets#handler} to choose from */
    public List<String> subprotocols() {
        return subprotocols;
    }

    /** Builds {@link WebSocketSettings}; starts from {@link #defaults()}. */
    public static final class Builder {

        private int maxMessageSize = intProperty("loomux.ws.maxMessageSize", 1 << 20);
        private int maxFrameSize = intProperty("loomux.ws.maxFrameSize", 1 << 20);
        private Duration idleTimeout = secondsProperty("loomux.ws.idleTimeout", 300);
        private Duration closeTimeout = secondsProperty("loomux.ws.closeTimeout", 5);
        private Duration sendTimeout = secondsProperty("loomux.ws.sendTimeout", 30);
        private boolean permessageDeflate = booleanProperty("loomux.ws.permessageDeflate");
        private boolean deflateNoContextTakeover = booleanProperty("loomux.ws.deflateNoContextTakeover");
        private Predicate<Optional<String>> originCheck = o -> true;
        private List<String> subprotocols = List.of();

        private Builder() {
        }

        /**
         * @param bytes the largest message accepted, at least 125
         * @return this
         */
        public Builder maxMessageSize(int bytes) {
            this.maxMessageSize = SettingChecks.atLeast("maxMessageSize", bytes, 125);
            return this;
        }

        /**
         * @param bytes the largest frame payload accepted, at least 125
         * @return this
         */
        public Builder maxFrameSize(int bytes) {
            this.maxFrameSize = SettingChecks.atLeast("maxFrameSize", bytes, 125);
            return this;
        }

        /**
         * @param d how long a receiving WebSocket may hear nothing, positive
         * @return this
         */
        public Builder idleTimeout(Duration d) {
            this.idleTimeout = SettingChecks.positive("idleTimeout", d);
            return this;
        }

        /**
         * @param d how long a Close waits for the peer's, positive
         * @return this
         */
        public Builder closeTimeout(Duration d) {
            this.closeTimeout = SettingChecks.positive("closeTimeout", d);
            return this;
        }

        /**
         * @param d how long a send may wait for the peer to read, positive
         * @return this
         */
        public Builder sendTimeout(Duration d) {
            this.sendTimeout = SettingChecks.positive("sendTimeout", d);
            return this;
        }

        /**
         * @param on whether to accept a client's permessage-deflate offer
         * @return this
         */
        public Builder permessageDeflate(boolean on) {
            this.permessageDeflate = on;
            return this;
        }

        /**
         * @param on whether, with permessage-deflate, each message the server sends is compressed
         *        with an empty window, keeping no compressor between messages
         * @return this
         */
        public Builder deflateNoContextTakeover(boolean on) {
            this.deflateNoContextTakeover = on;
            return this;
        }

        /**
         * @param check given the request's {@code Origin} (empty if none), true to accept it
         * @return this
         */
        public Builder originCheck(Predicate<Optional<String>> check) {
            this.originCheck = Objects.requireNonNull(check, "check");
            return this;
        }

        /**
         * @param names the subprotocols the server speaks
         * @return this
         */
        public Builder subprotocols(List<String> names) {
            this.subprotocols = List.copyOf(names);
            return this;
        }

        /** @return the settings */
        public WebSocketSettings build() {
            return new WebSocketSettings(this);
        }

        private static int intProperty(String name, int fallback) {
            String v = System.getProperty(name);
            if (v == null || v.isBlank()) {
                return fallback;
            }
            try {
                return SettingChecks.atLeast(name, Integer.parseInt(v.trim()), 125);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("-D" + name + "=" + v + ": " + e.getMessage(), e);
            }
        }

        private static boolean booleanProperty(String name) {
            String v = System.getProperty(name);
            if (v == null || v.isBlank()) {
                return false;
            }
            return switch (v.trim()) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException("-D" + name + "=" + v + ": true or false");
            };
        }

        private static Duration secondsProperty(String name, long fallback) {
            String v = System.getProperty(name);
            if (v == null || v.isBlank()) {
                return Duration.ofSeconds(fallback);
            }
            try {
                return SettingChecks.positive(name, Duration.ofSeconds(Long.parseLong(v.trim())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("-D" + name + "=" + v + ": " + e.getMessage(), e);
            }
        }
    }
}
