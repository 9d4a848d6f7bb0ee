package io.loomux.bench.soak;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The soak's counts, added to by every client thread at once. docs/reliability.md defines each.
 */
final class Tally {

    /** Problems kept word for word; later ones are only counted (a broken server makes many). */
    private static final int KEPT_PROBLEMS = 40;

    final LongAdder connections = new LongAdder();
    final LongAdder messages = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder lost = new LongAdder();
    final LongAdder crossed = new LongAdder();
    /** Checked connections (well-behaved, half-close, probes) that a fault injector ended early. */
    final LongAdder reset = new LongAdder();
    private final Map<Misbehaviour, LongAdder> misbehaving = new EnumMap<>(Misbehaviour.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final List<String> problems = new ArrayList<>(); // guarded by lock
    private long problemCount; // guarded by lock

    Tally() {
        for (Misbehaviour m : Misbehaviour.values()) {
            misbehaving.put(m, new LongAdder());
        }
    }

    void misbehaved(Misbehaviour m) {
        misbehaving.get(m).increment();
    }

    long misbehavedCount(Misbehaviour m) {
        return misbehaving.get(m).sum();
    }

    /** Records something that fails the soak other than a lost or crossed message. */
    void problem(String what) {
        lock.lock();
        try {
            problemCount++;
        } finally {
            lock.unlock();
        }
        keep(what);
    }

    /** A lost message, with what was wrong; the first few are kept to say what happened. */
    void lost(String what) {
        lost.increment();
        keep("lost: " + what);
    }

    /** A crossed message, with where. */
    void crossed(String what) {
        crossed.increment();
        keep("crossed: " + what);
    }

    private void keep(String what) {
        lock.lock();
        try {
            if (problems.size() < KEPT_PROBLEMS) {
                problems.add(what);
            }
        } finally {
            lock.unlock();
        }
    }

    /** @return problems other than lost and crossed messages */
    long problemCount() {
        lock.lock();
        try {
            return problemCount;
        } finally {
            lock.unlock();
        }
    }

    /** @return the first problems, lost and crossed messages included, in the order seen */
    List<String> problems() {
        lock.lock();
        try {
            return List.copyOf(problems);
        } finally {
            lock.unlock();
        }
    }
}
