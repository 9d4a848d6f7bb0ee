package io.loomux.server;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * One open connection of a {@link TcpServer}, as {@link TcpServer#connections()} lists it.
 *
 * @param id       the connection's number, as in its handler thread's name
 *                 {@code loomux-conn-<id>}
 * @param remote   the peer's address
 * @param bytesIn  bytes its handler read from it
 * @param bytesOut bytes its handler wrote to it
 * @param idle     how long since it last moved a byte either way (or was accepted)
 */
public record ConnectionInfo(long id, InetSocketAddress remote, long bytesIn, long bytesOut, Duration idle) {
}
