/**
 * A TCP server on loomux: one virtual thread per connection runs plain blocking code.
 *
 * <pre>{@code
 * try (TcpServer server = TcpServer.builder()
 *         .address(new InetSocketAddress("127.0.0.1", 7007))
 *         .handler(c -> c.inputStream().transferTo(c.outputStream()))  // echo
 *         .idleTimeout(Duration.ofMinutes(5))
 *         .start()) {
 *     server.awaitTermination();
 * }
 * }</pre>
 *
 * <p>The server accepts on one thread, runs {@link io.loomux.server.ConnectionHandler#handle}
 * on a new virtual thread per connection, closes the connection when the handler returns,
 * limits how many connections are open at once, and shuts down gracefully. Its counters are
 * readable with {@link io.loomux.server.TcpServer#stats()} and over JMX
 * ({@link io.loomux.server.TcpServerMXBean}).
 */
package io.loomux.server;
