package io.loomux.selector.internal;

import io.loomux.spi.ListenerHandle;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.PollSet;
import io.loomux.spi.SocketHandle;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.spi.SelectorProvider;
import java.util.Map;
import java.util.Objects;

/**
 * An open selector backend. Holds no resources of its own: every socket and poll set it opens
 * is closed by its owner. Thread-safe.
 */
public final class SelectorMultiplexer implements Multiplexer {

    /** The backlog used when the caller passes 0 or less; Linux caps it at {@code somaxconn}. */
    public static final int DEFAULT_BACKLOG = 1024;

    // One provider for channels and selectors alike: a selector rejects channels of another.
    private final SelectorProvider provider;
    private volatile boolean closed;

    /**
     * Creates a multiplexer; opens nothing yet.
     *
     * @param provider the JDK provider that opens every channel and selector of this instance
     */
    public SelectorMultiplexer(SelectorProvider provider) {
        this.provider = Objects.requireNonNull(provider, "provider");
    }

    /**
     * Opens a non-blocking {@link ServerSocketChannel} of the address's family, applies the
     * options, then binds.
     */
    @Override
    public ListenerHandle listen(InetSocketAddress local, int backlog, Map<SocketOption<?>, ?> options)
            throws IOException {
        ensureOpen();
        ProtocolFamily family = family(local);
        ServerSocketChannel ch;
        try {
            ch = provider.openServerSocketChannel(family);
        } catch (UnsupportedOperationException e) {
            throw familyUnavailable(e);
        }
        try {
            ch.configureBlocking(false);
            applyOptions(ch, options);
            ch.bind(local, backlog > 0 ? backlog : DEFAULT_BACKLOG);
            return new ChannelListenerHandle(ch);
        } catch (IOException | RuntimeException e) {
            closeAfterFailure(ch, e);
            throw e;
        }
    }

    /**
     * Opens a non-blocking {@link SocketChannel} of the address's family, applies the options,
     * then starts the connect.
     */
    @Override
    public SocketHandle connect(InetSocketAddress remote, Map<SocketOption<?>, ?> options) throws IOException {
        ensureOpen();
        ProtocolFamily family = family(remote);
        SocketChannel ch;
        try {
            ch = provider.openSocketChannel(family);
        } catch (UnsupportedOperationException e) {
            throw familyUnavailable(e);
        }
        try {
            ch.configureBlocking(false);
            applyOptions(ch, options);
            ch.connect(remote);
            return new ChannelSocketHandle(ch);
        } catch (IOException | RuntimeException e) {
            closeAfterFailure(ch, e);
            throw e;
        }
    }

    /** Opens a poll set on a new {@link java.nio.channels.Selector}. */
    @Override
    public PollSet openPollSet() throws IOException {
        ensureOpen();
        return new SelectorPollSet(provider.openSelector());
    }

    /** Refuses further opens; the sockets and poll sets already open are their owners' to close. */
    @Override
    public void close() {
        closed = true;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    private static ProtocolFamily family(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        // The socket's family follows the address, so an IPv4 listener is a plain IPv4 socket
        // and reports IPv4 addresses even where the JDK would default to a dual-stack socket.
        return address.getAddress() instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    }

    private static SocketException familyUnavailable(UnsupportedOperationException e) {
        // IPv6 disabled (-Djava.net.preferIPv4Stack=true, or no kernel support) means a socket
        // that cannot be created, which the SPI reports as an IOException; the message is the
        // one java.net.Socket uses for the same case.
        SocketException se = new SocketException("Protocol family unavailable");
        se.initCause(e);
        return se;
    }

    private static void applyOptions(NetworkChannel ch, Map<SocketOption<?>, ?> options) throws IOException {
        for (Map.Entry<SocketOption<?>, ?> e : options.entrySet()) {
            setOption(ch, e.getKey(), e.getValue());
        }
    }

    private static <T> void setOption(NetworkChannel ch, SocketOption<T> option, Object value) throws IOException {
        // Class.cast names both types when the map holds a value of the wrong type.
        ch.setOption(option, option.type().cast(value));
    }

    private static void closeAfterFailure(NetworkChannel ch, Exception failure) {
        try {
            ch.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** @return a short description, for logs */
    @Override
    public String toString() {
        return "SelectorMultiplexer[" + provider.getClass().getName() + (closed ? ", closed]" : "]");
    }
}
