package io.loomux.selector.internal;

import io.loomux.spi.Handle;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.util.Set;

/**
 * What both kinds of socket of this backend share: a non-blocking NIO channel that a
 * {@link SelectorPollSet} can register.
 *
 * @param <C> the channel's type
 */
public abstract sealed class ChannelHandle<C extends SelectableChannel & NetworkChannel> implements Handle
        permits ChannelSocketHandle, ChannelListenerHandle {

    /** The wrapped channel, always in non-blocking mode. */
    final C channel;

    // The latest registration, read by close() only; see close() for why it is kept.
    private volatile SelectorRegistration registration;

    ChannelHandle(C channel) {
        this.channel = channel;
    }

    /** @return the selection-key operations that mean {@link io.loomux.spi.Events#READABLE} */
    abstract int readOps();

    /**
     * Called by the poller when it arms {@link io.loomux.spi.Events#WRITABLE}.
     *
     * @return the selection-key operations that mean {@link io.loomux.spi.Events#WRITABLE} now
     */
    abstract int writeOps();

    final void registered(SelectorRegistration r) {
        registration = r;
    }

    /** @return the bound local address */
    @Override
    public InetSocketAddress localAddress() throws IOException {
        if (channel.getLocalAddress() instanceof InetSocketAddress a) {
            return a;
        }
        throw new SocketException("Socket is not bound yet");
    }

    /** Sets the option on the channel. */
    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        channel.setOption(option, value);
    }

    /** @return the channel's value of the option */
    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException {
        return channel.getOption(option);
    }

    /** @return the channel's supported options */
    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return channel.supportedOptions();
    }

    /**
     * Closes the channel, which cancels its registrations, and wakes the poll set it was last
     * registered with.
     *
     * <p>The wake-up is what releases the descriptor: the JDK keeps a channel that is still
     * registered with a selector open (it only shuts down the output, so the peer reads end of
     * stream) until that selector's next selection deregisters it. A poller blocked without a
     * timeout would otherwise hold the descriptor until some unrelated event arrives.
     */
    @Override
    public void close() throws IOException {
        SelectorRegistration r = registration;
        try {
            channel.close();
        } finally {
            if (r != null) {
                r.pollSet().wakeSleepingPoller();
            }
        }
    }

    /**
     * NIO reports many socket errors (a broken pipe on write, running out of descriptors on
     * accept) as a plain {@link IOException}; the SPI promises what {@link java.net.Socket}
     * throws, a {@link SocketException} with the same message. Closed-channel exceptions keep
     * their type: they report misuse of the handle, not the socket's state.
     */
    static IOException asSocketException(IOException e) {
        if (e instanceof SocketException || e instanceof ClosedChannelException) {
            return e;
        }
        SocketException se = new SocketException(e.getMessage());
        se.initCause(e);
        return se;
    }

    /** @return the kind and the channel, for logs */
    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + channel + "]";
    }
}
