package io.loomux;

/**
 * Counters of one {@link Loomux} since it was opened, read with {@link Loomux#stats()}.
 *
 * @param polls        poll calls that returned, over all pollers
 * @param events       readiness events the pollers handed to connections and listeners
 * @param parks        times a thread parked waiting for readiness
 * @param timeouts     reads, writes, accepts and connects that ended with a timeout
 * @param bytesRead    bytes read by all connections
 * @param bytesWritten bytes written by all connections
 */
public record RuntimeStats(long polls, long events, long parks, long timeouts, long bytesRead,
                           long bytesWritten) {

    /** @return events per poll, 0 before the first poll */
    public double eventsPerPoll() {
        return polls == 0 ? 0 : (double) events / polls;
    }
}
