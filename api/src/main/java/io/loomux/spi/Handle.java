package io.loomux.spi;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.util.Set;

/**
 * What every non-blocking socket of a backend has.
 *
 * <p>The blocking layer guarantees that {@link #close()} is called once, and only after no other
 * call on this handle is in progress or can start: a backend may release the descriptor number
 * in {@code close} without fearing that a concurrent read reaches a new socket that reused it.
 * That covers every call that names the socket: this handle's methods,
 * {@link PollSet#register} of it and {@link Registration#arm} of its registration;
 * {@link Registration#cancel()} comes just before close, with nothing else in progress.
 */
public interface Handle extends Closeable {

    /**
     * @return the bound local address
     * @throws IOException if it cannot be read
     */
    InetSocketAddress localAddress() throws IOException;

    /**
     * @param <T>    the option's type
     * @param option the option, e.g. {@link java.net.StandardSocketOptions#TCP_NODELAY}
     * @param value  its new value
     * @throws IOException                   if setting it fails
     * @throws UnsupportedOperationException if {@link #supportedOptions()} lacks it
     */
    <T> void setOption(SocketOption<T> option, T value) throws IOException;

    /**
     * @param <T>    the option's type
     * @param option the option
     * @return its current value
     * @throws IOException                   if reading it fails
     * @throws UnsupportedOperationException if {@link #supportedOptions()} lacks it
     */
    <T> T getOption(SocketOption<T> option) throws IOException;

    /** @return the options this socket supports */
    Set<SocketOption<?>> supportedOptions();

    /**
     * Closes the socket and, with it, its registration. Called once.
     *
     * @throws IOException if the OS reports an error; the socket is released all the same
     */
    @Override
    void close() throws IOException;
}
