package io.loomux.bench.soak;

import javax.net.ssl.SSLContext;
import java.net.InetSocketAddress;
import java.util.function.LongSupplier;

/**
 * One server under soak, as its clients see it.
 *
 * @param name    backend and kind, e.g. {@code epoll/echo-turns}
 * @param kind    what it speaks
 * @param address where it listens
 * @param tls     the clients' TLS context (trusts the soak's certificate), or null for plain TCP
 * @param active  connections the server holds open now, or -1 where the server does not say
 *                (the HTTP servers: their connections show in the process's descriptors)
 */
record Target(String name, Kind kind, InetSocketAddress address, SSLContext tls, LongSupplier active) {
}
