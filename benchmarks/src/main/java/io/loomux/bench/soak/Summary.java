package io.loomux.bench.soak;

import java.util.List;

/**
 * What a soak run found: the counts of its last line, and what failed it.
 *
 * @param connections   connections the clients opened, well-behaved and misbehaving
 * @param messages      messages whose whole answer came back right
 * @param bytes         bytes of those answers, every one checked
 * @param faults        faults injected into the servers' backends
 * @param lost          messages lost (docs/reliability.md says exactly what counts)
 * @param crossed       messages that came back holding bytes of another connection
 * @param leakedFds     the most descriptors open beyond the baseline and its tolerance after a round
 * @param leakedThreads the most platform threads alive beyond the baseline after a round
 * @param reset         checked connections (well-behaved, half-close, probes) a fault injector ended
 * @param rounds        rounds run after the warm-up
 * @param otherFailures failures other than the counts above: heap growth, a server that no longer
 *                      answers, a slow head not cut, a client that does not push back, a stuck client
 * @param problems      the first problems of every sort, in words
 */
record Summary(long connections, long messages, long bytes, long faults, long lost, long crossed,
               long leakedFds, long leakedThreads, long reset, int rounds, long otherFailures,
               List<String> problems) {

    /** @return true if nothing was lost, crossed or leaked, and nothing else failed */
    boolean passed() {
        return lost == 0 && crossed == 0 && leakedFds == 0 && leakedThreads == 0 && otherFailures == 0;
    }

    /** @return the one line a run ends with */
    String line() {
        return "soak: " + connections + " connections, " + messages + " messages, " + bytes + " bytes, "
                + faults + " faults injected, lost " + lost + ", crossed " + crossed + ", leaked fds " + leakedFds
                + ", leaked threads " + leakedThreads;
    }
}
