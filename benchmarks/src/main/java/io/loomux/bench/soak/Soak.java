package io.loomux.bench.soak;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./bench soak [--minutes N] [--seed S] [--no-faults]}: echo (a thread per connection,
 * and in turns), HTTP, HTTPS, h2c and h2 (over TLS) servers on every backend, each over the
 * kit's fault injector ({@link Faults}), all at once, under well-behaved clients that check
 * every byte and misbehaving ones, round after round until the time is up; after each round,
 * with no client connected, the process's descriptors, threads and heap are compared with their
 * baselines and every server must still answer. Progress goes to the standard error; the
 * standard output gets one line, the summary, and the exit status is 0 only if nothing was
 * lost, crossed or leaked and nothing else failed. docs/reliability.md explains every count.
 */
public final class Soak {

    /**
     * Descriptors the process may hold beyond its baseline after a round without that being a
     * leak: the JDK opens some files only on first use (a jar entry's file, a time-zone or
     * security file, the entropy source) and may open one of them after the warm-up; a leak of
     * connections shows as many more, one per leaked socket, and round after round.
     */
    static final int FD_TOLERANCE = 4;
    private static final String USAGE = """
            usage: ./bench soak [--minutes N | --seconds N] [--seed S] [--no-faults]
              --minutes N  run rounds for N minutes (default 1; fractions allowed)
              --seconds N  the same in seconds
              --seed S     the seed every random choice derives from (default 12)
              --no-faults  serve on the backends as found, without the fault injector
            The last line is the summary; the exit status is 0 only if nothing was lost, crossed or
            leaked and every server kept answering. docs/reliability.md explains every count.""";
    /** How long a round's clients may take to finish after its end before they count as stuck. */
    private static final Duration CLIENT_GRACE = Wire.ANSWER.multipliedBy(6);
    /** How long the servers may take after a round to close what its clients left. */
    private static final Duration QUIET_WAIT = Duration.ofSeconds(30);
    /** Fresh connections a probe may try when the injector ends the ones before. */
    private static final int PROBE_TRIES = 5;
    /** Samples of a settling process are this far apart. */
    private static final long POLL_MILLIS = 50;

    private final SoakConfig config;
    private final PrintStream log;
    private final Tally tally = new Tally();
    private final Faults faults;
    private final Pattern pattern;
    private final WellBehaved wellBehaved;
    private final Misbehaving misbehaving;
    private final HeapTrend heap = new HeapTrend();
    private long leakedFds;
    private long leakedThreads;

    private Soak(SoakConfig config, PrintStream log) {
        this.config = config;
        this.log = log;
        this.faults = new Faults(config.faults());
        this.pattern = new Pattern(config.seed());
        this.wellBehaved = new WellBehaved(pattern, tally, faults, new AtomicLong());
        this.misbehaving = new Misbehaving(pattern, tally, wellBehaved, faults, SoakServers.HEADER_TIMEOUT);
    }

    /**
     * Runs the soak and exits: 0 if it passed, 1 if it found anything, 2 on bad arguments.
     *
     * @param args {@code [--minutes N] [--seconds N] [--seed S] [--no-faults]}
     */
    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.println(USAGE);
            return;
        }
        SoakConfig config;
        try {
            config = SoakConfig.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("soak: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
            return;
        }
        Summary s = run(config, System.err);
        System.out.println(s.line());
        System.out.flush();
        System.exit(s.passed() ? 0 : 1);
    }

    /**
     * Runs a soak in this JVM.
     *
     * @param log where progress and problems are written
     * @return what it found
     */
    static Summary run(SoakConfig config, PrintStream log) throws Exception {
        return new Soak(config, log).run();
    }

    private Summary run() throws Exception {
        long end = System.nanoTime() + config.duration().toNanos();
        log.println("soak: seed " + config.seed() + ", " + config.duration().toSeconds() + " s, rounds of "
                + config.round().toSeconds() + " s, " + (faults.injecting() ? "faults injected: " + config.faults()
                : "no fault injector (--no-faults)"));
        int rounds = 0;
        ServerLog serverLog = ServerLog.capture();
        try (serverLog; SoakServers servers = SoakServers.start(faults, config.seed(), new Echo(config.tamper()),
                Certificates.make(), log)) {
            log.println("soak: serving " + servers.targets().stream().map(Target::name).toList());
            round(servers, 0, config.warmUp());
            settle(servers);
            Baseline base = new Baseline(Leaks.openFds(), Leaks.fdKinds(), Leaks.platformThreads(),
                    Leaks.platformThreadNames());
            log.println("soak: baseline after warm-up: " + base.fds() + " descriptors, " + base.threads()
                    + " platform threads" + (Leaks.canCountFds() ? "" : " (descriptors not countable here: not checked)"));
            // At least one round after the warm-up; another starts while time is left, and the
            // last one may end a little after the time.
            do {
                rounds++;
                long left = end - System.nanoTime();
                Duration length = Duration.ofNanos(Math.max(Math.min(left, config.round().toNanos()),
                        TimeUnit.SECONDS.toNanos(1)));
                long before = tally.messages.sum();
                long t0 = System.nanoTime();
                round(servers, rounds, length);
                double seconds = (System.nanoTime() - t0) / 1e9;
                awaitQuiet(servers, base);
                tally.explain(serverLog::account, false);
                checkLeaks(base, rounds);
                long h = Leaks.heapAfterGc();
                heap.add(h);
                probe(servers, rounds);
                log.printf("soak: round %d: %.0f messages/s, %d connections so far, %d descriptors, %d threads,"
                                + " heap %s, lost %d, crossed %d%n", rounds, (tally.messages.sum() - before) / seconds,
                        tally.connections.sum(), Leaks.openFds(), Leaks.platformThreads(), HeapTrend.mib(h),
                        tally.lost.sum(), tally.crossed.sum());
            } while (end - System.nanoTime() > 0);
        }
        heap.problem().ifPresent(tally::problem);
        if (!heap.judgeable()) {
            log.println("soak: heap trend not judged: " + rounds + " rounds (it needs 4)");
        }
        serverLog.counts().forEach((what, n) -> log.println("soak: server log: " + n + " x " + what));
        tally.explain(serverLog::account, true);
        return summary(rounds);
    }

    private Summary summary(int rounds) {
        Summary s = new Summary(tally.connections.sum(), tally.messages.sum(), tally.bytes.sum(), faults.injected(),
                tally.lost.sum(), tally.crossed.sum(), leakedFds, leakedThreads, tally.reset.sum(), rounds,
                tally.problemCount(), tally.problems());
        StringBuilder bad = new StringBuilder();
        for (Misbehaviour m : Misbehaviour.values()) {
            bad.append(bad.isEmpty() ? "" : ", ").append(m.label()).append(' ').append(tally.misbehavedCount(m));
        }
        log.println("soak: misbehaving connections: " + bad);
        log.println("soak: by kind of server: " + tally.byKind());
        log.println("soak: faults by kind: " + (faults.byKind().isEmpty() ? "none (no injector)" : faults.byKind())
                + "; connections checked that an injector ended (reset): " + s.reset());
        if (faults.injecting() && !faults.neverInjected().isEmpty()) {
            log.println("soak: fault kinds the plan asks for that never occurred: " + faults.neverInjected());
        }
        log.println("soak: heap after full GC per round: " + heap + " (growth " + HeapTrend.mib(heap.growth()) + ")"
                + (faults.injecting() ? "; the injectors hold the addresses of the " + faults.faultedConnections()
                + " connections they faulted" : ""));
        for (String p : s.problems()) {
            log.println("soak: PROBLEM: " + p);
        }
        return s;
    }

    /**
     * Runs every server's clients at once for {@code length}, and waits for them to finish. In
     * the warm-up (round 0) each server's clients start one after another over the first half
     * of the round instead: a JVM's first TLS handshakes and HTTP/2 connections load, initialise
     * and compile their code, and some forty TLS clients doing that at once on two carrier
     * threads, on a busy machine, left clients silent in their handshakes past the servers' 2-s
     * header timeout, which the servers rightly ended.
     */
    private void round(SoakServers servers, int round, Duration length) throws InterruptedException {
        long deadline = System.nanoTime() + length.toNanos();
        long ramp = round == 0 ? length.toNanos() / 2 : 0;
        List<Thread> clients = new ArrayList<>();
        List<Target> targets = servers.targets();
        for (int s = 0; s < targets.size(); s++) {
            Target t = targets.get(s);
            int n = config.clients(t.kind());
            for (int c = 0; c < n; c++) {
                SplittableRandom r = random(round, s, c);
                long after = ramp * c / n;
                clients.add(Thread.ofVirtual().name("soak-" + t.name() + "-" + c)
                        .start(() -> {
                            if (startAfter(after)) {
                                wellBehaved.loop(t, r, deadline);
                            }
                        }));
            }
            int bad = config.badClients();
            for (int c = 0; c < bad; c++) {
                SplittableRandom r = random(round, s, -1 - c);
                long after = ramp * c / bad;
                clients.add(Thread.ofVirtual().name("soak-bad-" + t.name() + "-" + c)
                        .start(() -> {
                            if (startAfter(after)) {
                                misbehaving.loop(t, r, deadline);
                            }
                        }));
            }
        }
        long joinBy = deadline + CLIENT_GRACE.toNanos();
        for (Thread c : clients) {
            long left = joinBy - System.nanoTime();
            if (left <= 0 || !c.join(Duration.ofNanos(Math.max(left, 1)))) {
                tally.problem("round " + round + ": client " + c.getName() + " still running "
                        + CLIENT_GRACE.toSeconds() + " s after the round (a server that stopped answering?)");
                c.interrupt(); // closes its socket: it ends with an exception
            }
        }
    }

    /**
     * Paces a client's start in the warm-up; its loop then runs to the round's deadline as usual.
     *
     * @return false if the client was interrupted (the round gave up on it) before its start
     */
    private static boolean startAfter(long nanos) {
        if (nanos <= 0) {
            return true;
        }
        try {
            Thread.sleep(Duration.ofNanos(nanos));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Every client's own random choices: from the seed, the round, the server and the client's place. */
    private SplittableRandom random(int round, int server, int client) {
        return new SplittableRandom(Pattern.mix(config.seed() ^ Pattern.mix(((long) round << 40)
                ^ ((long) server << 20) ^ (client & 0xFFFFF))));
    }

    /** After the warm-up: waits until no server holds a connection and the descriptors stop changing. */
    private void settle(SoakServers servers) throws InterruptedException {
        long until = System.nanoTime() + QUIET_WAIT.toNanos();
        int last = -2;
        int same = 0;
        // Bounded by QUIET_WAIT; steady for 20 samples (1 s) ends it sooner.
        while (System.nanoTime() - until < 0 && same < 20) {
            int fds = Leaks.openFds();
            same = servers.noneActive() && fds == last ? same + 1 : 0;
            last = fds;
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** After a round: waits, bounded, until no server holds a connection and the counts are back. */
    private void awaitQuiet(SoakServers servers, Baseline base) throws InterruptedException {
        long until = System.nanoTime() + QUIET_WAIT.toNanos();
        // Bounded by QUIET_WAIT: a leak never settles, and is then reported by checkLeaks.
        while (System.nanoTime() - until < 0) {
            if (servers.noneActive() && Leaks.openFds() <= base.fds() + FD_TOLERANCE
                    && Leaks.platformThreads() <= base.threads()) {
                return;
            }
            Thread.sleep(POLL_MILLIS);
        }
        if (!servers.noneActive()) {
            tally.problem("servers still hold connections " + QUIET_WAIT.toSeconds() + " s after their clients left: "
                    + servers.targets().stream().filter(t -> t.active().getAsLong() > 0)
                    .map(t -> t.name() + " " + t.active().getAsLong()).toList());
        }
    }

    private void checkLeaks(Baseline base, int round) {
        if (Leaks.canCountFds()) {
            int fds = Leaks.openFds();
            int excess = fds - base.fds() - FD_TOLERANCE;
            if (excess > 0) {
                leakedFds = Math.max(leakedFds, excess);
                Map<String, Integer> more = Leaks.moreThan(base.fdKinds(), Leaks.fdKinds());
                tally.problem("round " + round + ": " + fds + " descriptors open, baseline " + base.fds()
                        + " + " + FD_TOLERANCE + "; more than at the baseline: " + more);
            }
        }
        int threads = Leaks.platformThreads();
        if (threads > base.threads()) {
            leakedThreads = Math.max(leakedThreads, threads - base.threads());
            List<String> now = new ArrayList<>(Leaks.platformThreadNames());
            base.threadNames().forEach(now::remove);
            tally.problem("round " + round + ": " + threads + " platform threads, baseline " + base.threads()
                    + "; new: " + now);
        }
    }

    /**
     * Every server must still answer a fresh connection's message. A probe the injector ends is
     * counted as reset and made again: that says nothing of whether the server answers.
     */
    private void probe(SoakServers servers, int round) {
        List<Target> targets = servers.targets();
        for (int s = 0; s < targets.size(); s++) {
            Target t = targets.get(s);
            WellBehaved.Outcome o = WellBehaved.Outcome.FAULTED;
            // Bounded: PROBE_TRIES; at 1 per mille per read, two faulted probes in a row are rare.
            for (int tries = 0; tries < PROBE_TRIES && o == WellBehaved.Outcome.FAULTED; tries++) {
                o = wellBehaved.connection(t, random(round, s, 0xFFFFF - tries), 1);
            }
            if (o != WellBehaved.Outcome.ANSWERED) {
                tally.problem("round " + round + ": " + t.name() + " no longer answers a fresh connection"
                        + (o == WellBehaved.Outcome.FAULTED ? " (" + PROBE_TRIES + " probes in a row faulted)" : ""));
            }
        }
    }

    /** What the process held after the warm-up, with nothing connected. */
    private record Baseline(int fds, Map<String, Integer> fdKinds, int threads, List<String> threadNames) {
    }
}
