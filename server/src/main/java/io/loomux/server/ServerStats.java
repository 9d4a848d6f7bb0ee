package io.loomux.server;

/**
 * A snapshot of a {@link TcpServer}'s counters, read with {@link TcpServer#stats()}.
 *
 * <p>{@code accepted}, {@code active} and {@code acceptErrors} are the server's own. The other
 * counters are those of the {@link io.loomux.Loomux} runtime the server runs on: its own when it
 * opened one, or, when it was given a shared runtime with
 * {@link TcpServer.Builder#loomux(io.loomux.Loomux)}, that runtime's, which include every other
 * user of it. After shutdown the runtime's counters are frozen at the moment the server
 * finished.
 *
 * @param accepted      connections accepted since the server started
 * @param active        connections open now (accepted and not yet closed)
 * @param bytesIn       bytes read by the runtime's connections
 * @param bytesOut      bytes written by the runtime's connections
 * @param parks         times a thread parked waiting for a socket to become ready
 * @param polls         poll calls the runtime's pollers made
 * @param events        readiness events the pollers handed on
 * @param eventsPerPoll {@code events / polls}, 0 before the first poll
 * @param timeouts      reads, writes, accepts and connects that ended with a timeout
 * @param acceptErrors  accept calls that failed other than by the listener closing, for example
 *                      with "Too many open files"
 */
public record ServerStats(long accepted, long active, long bytesIn, long bytesOut, long parks, long polls,
                          long events, double eventsPerPoll, long timeouts, long acceptErrors) {
}
