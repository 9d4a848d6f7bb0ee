/**
 * The service-provider interface a multiplexer backend implements.
 *
 * <p>A backend is passive, after Go's netpoller split: it opens non-blocking sockets, keeps a
 * poll set, arms interest where its mechanism needs it, and reports readiness when asked to
 * poll. It never parks or unparks a thread; the blocking layer in {@code io.loomux} owns
 * poller threads, the per-connection readiness state, deadlines, close and interrupt.
 *
 * <p>The pieces:
 * <ul>
 *   <li>{@link io.loomux.spi.MultiplexerProvider}: found through {@link java.util.ServiceLoader};
 *       a name, a priority, an {@link io.loomux.spi.Availability}.</li>
 *   <li>{@link io.loomux.spi.Multiplexer}: one open backend; opens listeners, client sockets and
 *       poll sets.</li>
 *   <li>{@link io.loomux.spi.ListenerHandle} and {@link io.loomux.spi.SocketHandle}:
 *       non-blocking sockets. "Would block" is a return value, never an exception.</li>
 *   <li>{@link io.loomux.spi.PollSet} and {@link io.loomux.spi.Registration}: the poll set,
 *       used by exactly one poller thread for {@code poll}, from any thread for the rest.</li>
 * </ul>
 *
 * <p>The descriptor rule: the blocking layer makes every call that names a socket (the
 * handle's own methods, {@link io.loomux.spi.PollSet#register},
 * {@link io.loomux.spi.Registration#arm}) only while the socket is open, never once its close
 * has begun, and calls {@link io.loomux.spi.Handle#close()} once, after
 * {@link io.loomux.spi.Registration#cancel()}, when no such call is in progress. So a backend
 * may act by descriptor number ({@code epoll_ctl}, {@code getsockname}) and free the number in
 * {@code close}. As a guard of its own, a backend refuses ({@link IllegalStateException}) or
 * ignores {@code arm} and {@code cancel} on a closed socket's registration: the number may
 * already be a new socket's. The conformance kit checks that guard.
 */
package io.loomux.spi;
