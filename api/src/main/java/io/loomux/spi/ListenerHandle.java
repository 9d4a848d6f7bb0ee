package io.loomux.spi;

import java.io.IOException;

/**
 * A non-blocking listening socket. As for every {@link Handle}, no call is made once
 * {@link #close()} has begun, and close waits for none in progress.
 */
public interface ListenerHandle extends Handle {

    /**
     * Accepts one pending connection without blocking.
     *
     * @return the accepted, non-blocking socket, or {@code null} when none is pending
     * @throws IOException for any other failure; running out of descriptors is a
     *     {@link java.net.SocketException} whose message contains "Too many open files"
     */
    SocketHandle accept() throws IOException;
}
