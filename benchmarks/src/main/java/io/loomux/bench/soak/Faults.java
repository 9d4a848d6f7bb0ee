package io.loomux.bench.soak;

import io.loomux.spi.MultiplexerProvider;
import io.loomux.tck.faults.Fault;
import io.loomux.tck.faults.FaultInjectingProvider;
import io.loomux.tck.faults.FaultPlan;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The one place where the soak's servers get the backend they serve on, and the one place the
 * "faults injected" figure comes from: every server's backend is wrapped in the kit's
 * {@link FaultInjectingProvider}, from a seed of its own and the soak's {@link FaultPlan}, and
 * the wrappers are kept to be asked what they injected and which connections they ended.
 * With a plan that injects nothing ({@code --no-faults}) the servers serve on their backends as
 * found, and the figure is 0.
 */
final class Faults {

    /**
     * The soak's plan: the kit's defaults, but with EMFILE/ENFILE on 1 % of accepts instead of
     * 5 %, and storms of at most 4 calls instead of 8. An accept loop pauses after each failed
     * accept, 10 ms doubling to 1 s: with the defaults a storm pauses a listener for up to 2.3 s
     * about every twentieth accept, so it spends most of a soak out of descriptors and
     * connections wait in its backlog longer than the 10 s a client allows for an answer, which
     * measures the back-off, not what is lost. Storms of 4 pause it 150 ms at most. Every other
     * rate is the default; resets and broken pipes, 1 per mille of the server's reads and writes,
     * are the least a plan can give and still end a few hundred connections a minute: enough to
     * prove that the soak excuses exactly those, few enough that most connections run their
     * whole course. Every kind occurs in a one-minute run.
     */
    static final FaultPlan SOAK_PLAN = FaultPlan.defaults().toBuilder()
            .rate(Fault.TOO_MANY_OPEN_FILES, 10)
            .stormLength(4)
            .build();

    private final FaultPlan plan;
    private final List<FaultInjectingProvider> injectors = new CopyOnWriteArrayList<>();

    /** @param plan what every server's injector injects; {@link FaultPlan#none()} for no injector */
    Faults(FaultPlan plan) {
        this.plan = plan;
    }

    /** @return the plan every server's injector follows */
    FaultPlan plan() {
        return plan;
    }

    /** @return true if the servers' backends are wrapped in an injector */
    boolean injecting() {
        return !plan.injectsNothing();
    }

    /**
     * @param backend the backend as {@link java.util.ServiceLoader} found it, available here
     * @param seed    the seed for this server's faults: the run's seed mixed with the server's
     *                place, so every run with the same seed injects the same plan
     * @return the provider the server's runtime is built on: the injector around the backend,
     *     or the backend itself when the plan injects nothing
     */
    MultiplexerProvider serveOn(MultiplexerProvider backend, long seed) {
        if (!injecting()) {
            return backend;
        }
        FaultInjectingProvider f = new FaultInjectingProvider(backend, seed, plan);
        injectors.add(f);
        return f;
    }

    /** @return faults injected so far into every provider {@link #serveOn} made */
    long injected() {
        long n = 0;
        for (FaultInjectingProvider f : injectors) {
            n += f.counts().total();
        }
        return n;
    }

    /**
     * @return connections the injectors faulted for good; each keeps both addresses of every one
     *     for as long as it lives (its {@link FaultInjectingProvider#faulted} record), so this
     *     much of the heap grows with the run
     */
    long faultedConnections() {
        long n = 0;
        for (FaultInjectingProvider f : injectors) {
            n += f.counts().faultedConnections();
        }
        return n;
    }

    /** @return faults injected so far by kind (every kind, in {@link Fault}'s order); empty with no injector */
    Map<String, Long> byKind() {
        Map<String, Long> m = new LinkedHashMap<>();
        if (injectors.isEmpty()) {
            return m;
        }
        for (Fault kind : Fault.values()) {
            long n = 0;
            for (FaultInjectingProvider f : injectors) {
                n += f.counts().count(kind);
            }
            m.put(kind.label(), n);
        }
        return m;
    }

    /** @return the kinds the plan asks for that were never injected, by label */
    List<String> neverInjected() {
        List<String> never = new ArrayList<>();
        Map<String, Long> counts = byKind();
        for (Fault kind : Fault.values()) {
            if (plan.perMille(kind) > 0 && counts.getOrDefault(kind.label(), 0L) == 0) {
                never.add(kind.label());
            }
        }
        return never;
    }

    /**
     * Whether an injector ended the connection between a client's two addresses, with a reset
     * or a broken pipe on the server's end. The server's end has the same two addresses the
     * other way round; {@link FaultInjectingProvider#faulted} takes them as an unordered pair.
     *
     * @param clientLocal  the client socket's local address
     * @param clientRemote the client socket's remote address: the server's
     * @return true if a server's injector faulted that connection
     */
    boolean faulted(InetSocketAddress clientLocal, InetSocketAddress clientRemote) {
        for (FaultInjectingProvider f : injectors) {
            if (f.faulted(clientLocal, clientRemote)) {
                return true;
            }
        }
        return false;
    }
}
