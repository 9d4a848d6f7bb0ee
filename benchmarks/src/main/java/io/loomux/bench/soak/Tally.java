package io.loomux.bench.soak;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.regex.Matcher;

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
    private final Map<Kind, OfKind> byKind = new EnumMap<>(Kind.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final List<Kept> problems = new ArrayList<>(); // guarded by lock
    private long problemCount; // guarded by lock

    Tally() {
        for (Misbehaviour m : Misbehaviour.values()) {
            misbehaving.put(m, new LongAdder());
        }
        for (Kind k : Kind.values()) {
            byKind.put(k, new OfKind(new LongAdder(), new LongAdder(), new LongAdder()));
        }
    }

    /** A connection opened, or tried, to a server of that kind. */
    void connected(Kind k) {
        connections.increment();
        byKind.get(k).connections().increment();
    }

    /**
     * @return connections, lost and crossed messages per kind of server (all backends together),
     *     e.g. {@code h2 1200 connections (lost 0, crossed 0)}, so a kind that got few connections shows
     */
    String byKind() {
        StringBuilder b = new StringBuilder();
        byKind.forEach((k, n) -> b.append(b.isEmpty() ? "" : ", ").append(k.label()).append(' ')
                .append(n.connections().sum()).append(" connections (lost ").append(n.lost().sum())
                .append(", crossed ").append(n.crossed().sum()).append(')'));
        return b.toString();
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

    /**
     * A lost message to a server of that kind, with what was wrong; the first few are kept to
     * say what happened.
     */
    void lost(Kind k, String what) {
        lost.increment();
        byKind.get(k).lost().increment();
        keep("lost: " + what);
    }

    /** A crossed message to a server of that kind, with where. */
    void crossed(Kind k, String what) {
        crossed.increment();
        byKind.get(k).crossed().increment();
        keep("crossed: " + what);
    }

    private void keep(String what) {
        lock.lock();
        try {
            if (problems.size() < KEPT_PROBLEMS) {
                problems.add(new Kept(what, !WellBehaved.CLIENT.matcher(what).find()));
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
            return problems.stream().map(Kept::text).toList();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds the server's own account to each kept problem that names a client's address
     * ({@link WellBehaved#client}) and has none yet. Called after each round, while the server
     * still keeps the accounts of that round's connections, and once more at the end.
     *
     * @param accountOf the server's account of how a client's connection ended, if it still has one
     * @param last      the last call: a problem still without an account says the server gave none
     */
    void explain(Function<String, Optional<String>> accountOf, boolean last) {
        lock.lock();
        try {
            for (int i = 0; i < problems.size(); i++) {
                Kept k = problems.get(i);
                if (k.explained()) {
                    continue;
                }
                Matcher client = WellBehaved.CLIENT.matcher(k.text());
                client.find();
                Optional<String> account = accountOf.apply(client.group(1));
                if (account.isPresent()) {
                    problems.set(i, new Kept(k.text() + " (the server: " + account.get() + ")", true));
                } else if (last) {
                    problems.set(i, new Kept(k.text() + " (the server kept no account of it)", true));
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The counts of one kind of server. */
    private record OfKind(LongAdder connections, LongAdder lost, LongAdder crossed) {
    }

    /** A problem's words, and whether they are final (no server account is still to be added). */
    private record Kept(String text, boolean explained) {
    }
}
