package io.loomux.tck;

import io.loomux.spi.Events;
import io.loomux.spi.PollSet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sink every rule polls into. It keeps what was reported per attachment, numbers the polls
 * (so a rule can tell "a poll that started after cancel returned" from one already in progress),
 * and checks the sink-side contract of {@link PollSet#poll} on every call: non-zero bits, no
 * unknown bits, a non-null attachment, each registration at most once per poll, and a return
 * value equal to the number of reports. Polled by one thread at a time; read from any thread.
 */
final class Recorder implements PollSet.EventSink {

    /** One report: which poll it came from, for whom, which bits. */
    record Report(long poll, Object attachment, int events) {
        @Override
        public String toString() {
            return "#" + poll + " " + attachment + "=" + Events.toString(events);
        }
    }

    private final ConcurrentLinkedQueue<Report> reports = new ConcurrentLinkedQueue<>();
    private final Map<Object, Integer> bits = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    private final AtomicLong pollsStarted = new AtomicLong();
    private final AtomicLong pollsEnded = new AtomicLong();
    /** Only the polling thread touches these two, between begin and end. */
    private final Set<Object> thisPoll = ConcurrentHashMap.newKeySet();
    private int callsThisPoll;
    private volatile long currentPoll;

    /**
     * Before a poll.
     *
     * @return the number of this poll, 1 and up
     */
    long begin() {
        thisPoll.clear();
        callsThisPoll = 0;
        long n = pollsStarted.incrementAndGet();
        currentPoll = n;
        return n;
    }

    /**
     * After a poll returned normally.
     *
     * @param returned what poll returned
     */
    void end(int returned) {
        if (returned != callsThisPoll) {
            violations.add("poll #" + currentPoll + " returned " + returned + " but called the sink "
                    + callsThisPoll + " times (PollSet.poll: \"@return the number of events reported\")");
        }
        pollsEnded.incrementAndGet();
    }

    /** After a poll threw: no count to check. */
    void endExceptionally() {
        pollsEnded.incrementAndGet();
    }

    @Override
    public void event(Object attachment, int events) {
        callsThisPoll++;
        long poll = currentPoll;
        if (attachment == null) {
            violations.add("poll #" + poll + " reported a null attachment");
            return;
        }
        if (events == 0) {
            violations.add("poll #" + poll + " reported " + attachment + " with no bits (the sink must get a non-zero set)");
        }
        if ((events & ~0xF) != 0) {
            violations.add("poll #" + poll + " reported unknown bits " + Events.toString(events) + " for " + attachment);
        }
        if (!thisPoll.add(attachment)) {
            violations.add("poll #" + poll + " reported " + attachment + " more than once (at most once per registration per poll)");
        }
        reports.add(new Report(poll, attachment, events));
        bits.merge(attachment, events, (a, b) -> a | b);
    }

    /**
     * @param attachment an attachment
     * @return the bits reported for it since the last {@link #clear()}, 0 if none
     */
    int bits(Object attachment) {
        return bits.getOrDefault(attachment, 0);
    }

    /**
     * @param attachment an attachment
     * @param afterPoll  a poll number
     * @return the reports for it from polls numbered above {@code afterPoll}
     */
    List<Report> reportsAfter(Object attachment, long afterPoll) {
        List<Report> out = new ArrayList<>();
        for (Report r : reports) {
            if (r.poll() > afterPoll && r.attachment().equals(attachment)) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * @param attachment an attachment
     * @return how many times it was reported since the last {@link #clear()}
     */
    int count(Object attachment) {
        int n = 0;
        for (Report r : reports) {
            if (r.attachment().equals(attachment)) {
                n++;
            }
        }
        return n;
    }

    /** @return the number of polls started so far */
    long pollsStarted() {
        return pollsStarted.get();
    }

    /** @return the number of polls that returned or threw so far */
    long pollsEnded() {
        return pollsEnded.get();
    }

    /** Forgets the reports (not the violations, not the poll numbers). */
    void clear() {
        reports.clear();
        bits.clear();
    }

    /** @return every breach of the sink contract seen so far */
    List<String> violations() {
        return List.copyOf(violations);
    }

    @Override
    public String toString() {
        List<Report> all = new ArrayList<>(reports);
        if (all.size() > 40) {
            int n = all.size();
            all = all.subList(n - 40, n);
            return "[... " + (n - 40) + " earlier, " + all + "]";
        }
        return all.toString();
    }
}
