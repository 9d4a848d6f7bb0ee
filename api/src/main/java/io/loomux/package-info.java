/**
 * loomux: plain blocking socket code on virtual threads, over a pluggable multiplexer.
 *
 * <pre>{@code
 * try (Loomux loomux = Loomux.open();                       // highest-priority available backend
 *      Listener listener = loomux.listen(new InetSocketAddress("127.0.0.1", 7007))) {
 *     while (true) {
 *         Connection c = listener.accept();                  // parks this virtual thread
 *         Thread.ofVirtual().start(() -> {
 *             try (c) {
 *                 c.inputStream().transferTo(c.outputStream()); // echo, blocking style
 *             } catch (IOException e) {
 *                 // the peer went away
 *             }
 *         });
 *     }
 * }
 * }</pre>
 *
 * <p>Every blocking call parks the calling thread (best: a virtual thread) when its socket would
 * block, and a poller thread of the {@link io.loomux.Loomux} unparks it when the backend reports
 * the socket ready. Backends are chosen by {@link io.loomux.Loomux.Builder#backend(String)}, the
 * system property {@value io.loomux.Loomux#BACKEND_PROPERTY}, or else by priority.
 */
package io.loomux;
