package io.loomux.bench.soak;

import io.loomux.tck.faults.FaultPlan;

import java.time.Duration;
import java.util.Objects;

/**
 * How long and how hard a soak runs. Sized for a small machine (2 cores): a few hundred
 * connections at once in all, spread over every server.
 *
 * @param duration     how long rounds go on starting; the last one finishes, then its checks run
 * @param seed         every random choice (sizes, kinds, splits, fault plans) derives from it
 * @param round        how long each round's clients run
 * @param warmUp       the first round's length, run before the baselines are taken
 * @param echoClients  well-behaved client loops per echo server, at once
 * @param httpClients  well-behaved client loops per HTTP server, h2c included
 * @param httpsClients well-behaved client loops per HTTPS server, h2 over TLS included
 * @param badClients   misbehaving client loops per server
 * @param faults       what the fault injector around every server's backend injects;
 *                     {@link FaultPlan#none()} for no injector ({@code --no-faults})
 * @param tamper       what the servers' echo does to bytes before writing them back: nothing,
 *                     except in the test that proves the soak sees a broken server
 */
record SoakConfig(Duration duration, long seed, Duration round, Duration warmUp, int echoClients, int httpClients,
                  int httpsClients, int badClients, FaultPlan faults, Echo.Tamper tamper) {

    static final long DEFAULT_SEED = 12;
    private static final Duration MIN_ROUND = Duration.ofSeconds(5);
    private static final Duration MAX_ROUND = Duration.ofSeconds(20);

    SoakConfig {
        Objects.requireNonNull(duration);
        Objects.requireNonNull(round);
        Objects.requireNonNull(warmUp);
        Objects.requireNonNull(faults);
        Objects.requireNonNull(tamper);
    }

    /**
     * The run {@code ./bench soak} makes: rounds of an eighth of the time, between 5 and 20 s
     * (a one-minute run has about six, enough to judge the heap's trend), a warm-up of 5 s,
     * faults injected as {@link Faults#SOAK_PLAN} says, or none.
     */
    static SoakConfig of(Duration duration, long seed, boolean injectFaults) {
        Duration round = duration.dividedBy(8);
        round = round.compareTo(MIN_ROUND) < 0 ? MIN_ROUND : round.compareTo(MAX_ROUND) > 0 ? MAX_ROUND : round;
        return new SoakConfig(duration, seed, round, MIN_ROUND, 24, 16, 8, 3,
                injectFaults ? Faults.SOAK_PLAN : FaultPlan.none(), Echo.Tamper.NONE);
    }

    /** @return the same run with the echo tampered with */
    SoakConfig withTamper(Echo.Tamper t) {
        return new SoakConfig(duration, seed, round, warmUp, echoClients, httpClients, httpsClients, badClients, faults,
                t);
    }

    /** @return well-behaved client loops per server of that kind */
    int clients(Kind kind) {
        return switch (kind) {
            case ECHO_THREADS, ECHO_TURNS -> echoClients;
            case HTTP, H2C -> httpClients;
            case HTTPS, H2 -> httpsClients;
        };
    }

    /**
     * Reads {@code [--minutes N] [--seconds N] [--seed S] [--no-faults]}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static SoakConfig parse(String... args) {
        Duration duration = Duration.ofMinutes(1);
        long seed = DEFAULT_SEED;
        boolean injectFaults = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--no-faults")) {
                injectFaults = false;
                continue;
            }
            String value;
            int eq = a.indexOf('=');
            String name = eq > 0 ? a.substring(0, eq) : a;
            if (eq > 0) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException(a + " needs a value");
            }
            try {
                switch (name) {
                    case "--minutes" -> duration = Duration.ofMillis(Math.round(Double.parseDouble(value) * 60_000));
                    case "--seconds" -> duration = Duration.ofMillis(Math.round(Double.parseDouble(value) * 1_000));
                    case "--seed" -> seed = Long.parseLong(value);
                    default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " takes a number, not '" + value + "'");
            }
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("the soak needs a positive time, not " + duration);
        }
        return of(duration, seed, injectFaults);
    }
}
