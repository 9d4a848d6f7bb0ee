package io.loomux.tck.faults;

import java.util.Arrays;
import java.util.Objects;

/**
 * Which faults a {@link FaultInjectingProvider} injects and how often: a rate per kind, in
 * calls per thousand of the calls the kind applies to (see each {@link Fault}), the longest
 * storm, and how many polls late a report may come. Immutable.
 *
 * <pre>{@code
 * FaultPlan plan = FaultPlan.defaults().toBuilder()
 *         .rate(Fault.RESET, 0)          // no connection is lost
 *         .rate(Fault.WOULD_BLOCK, 200)
 *         .build();
 * }</pre>
 */
public final class FaultPlan {

    private static final Fault[] KINDS = Fault.values();
    private static final FaultPlan NONE = builder().build();
    private static final FaultPlan DEFAULTS = builder()
            .rate(Fault.SHORT_READ, 100)
            .rate(Fault.SHORT_WRITE, 100)
            .rate(Fault.WOULD_BLOCK, 50)
            .rate(Fault.SPURIOUS_EVENT, 50)
            .rate(Fault.LATE_EVENT, 50)
            .rate(Fault.DUPLICATE_EVENT, 50)
            .rate(Fault.RESET, 1)
            .rate(Fault.BROKEN_PIPE, 1)
            .rate(Fault.TOO_MANY_OPEN_FILES, 50)
            .rate(Fault.POLL_FAILURE, 2)
            .build();

    private final int[] perMille;
    private final int stormLength;
    private final int lateBound;

    private FaultPlan(Builder b) {
        this.perMille = b.perMille.clone();
        this.stormLength = b.stormLength;
        this.lateBound = b.lateBound;
    }

    /** @return a plan that injects nothing: the injector then behaves as the provider it wraps */
    public static FaultPlan none() {
        return NONE;
    }

    /**
     * @return every kind at a modest rate: 10% short reads and writes, 5% would-block storms
     *     (up to 8 calls), spurious, late (up to 2 polls) and duplicate events and EMFILE storms,
     *     0.1% resets and broken pipes, 0.2% poll failures
     */
    public static FaultPlan defaults() {
        return DEFAULTS;
    }

    /** @return a builder that starts from {@link #none()} */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder that starts from this plan */
    public Builder toBuilder() {
        Builder b = new Builder();
        System.arraycopy(perMille, 0, b.perMille, 0, perMille.length);
        b.stormLength = stormLength;
        b.lateBound = lateBound;
        return b;
    }

    /**
     * @param fault a kind
     * @return its rate, per mille of the calls it applies to
     */
    public int perMille(Fault fault) {
        return perMille[fault.ordinal()];
    }

    /** @return the most calls in a row one would-block or EMFILE storm fails, at least 1 */
    public int stormLength() {
        return stormLength;
    }

    /** @return the most polls a late report is held back, at least 1 */
    public int lateBound() {
        return lateBound;
    }

    /** @return true if every rate is 0 */
    public boolean injectsNothing() {
        return Arrays.stream(perMille).allMatch(r -> r == 0);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("FaultPlan[");
        for (Fault f : KINDS) {
            if (perMille(f) > 0) {
                sb.append(f.label()).append(' ').append(perMille(f)).append("‰, ");
            }
        }
        return sb.append("storms up to ").append(stormLength).append(", late by up to ").append(lateBound)
                .append(" polls]").toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FaultPlan p && Arrays.equals(perMille, p.perMille) && stormLength == p.stormLength
                && lateBound == p.lateBound;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(perMille), stormLength, lateBound);
    }

    /** Builds a {@link FaultPlan}. */
    public static final class Builder {
        private final int[] perMille = new int[KINDS.length];
        private int stormLength = 8;
        private int lateBound = 2;

        private Builder() {
        }

        /**
         * @param fault    a kind
         * @param perMille its rate: 0 (never) to 1000 (every call it applies to)
         * @return this builder
         * @throws IllegalArgumentException if the rate is outside 0..1000
         */
        public Builder rate(Fault fault, int perMille) {
            Objects.requireNonNull(fault, "fault");
            if (perMille < 0 || perMille > 1000) {
                throw new IllegalArgumentException("a rate is per mille, 0 to 1000: " + perMille);
            }
            this.perMille[fault.ordinal()] = perMille;
            return this;
        }

        /**
         * @param calls the most calls in a row one storm fails, 1 to 1000; 8 by default
         * @return this builder
         * @throws IllegalArgumentException if outside 1..1000
         */
        public Builder stormLength(int calls) {
            if (calls < 1 || calls > 1000) {
                throw new IllegalArgumentException("a storm is 1 to 1000 calls: " + calls);
            }
            this.stormLength = calls;
            return this;
        }

        /**
         * @param polls the most polls a late report is held back, 1 to 10; 2 by default
         * @return this builder
         * @throws IllegalArgumentException if outside 1..10
         */
        public Builder lateBound(int polls) {
            if (polls < 1 || polls > 10) {
                throw new IllegalArgumentException("a report may be 1 to 10 polls late: " + polls);
            }
            this.lateBound = polls;
            return this;
        }

        /** @return the plan */
        public FaultPlan build() {
            return new FaultPlan(this);
        }
    }
}
