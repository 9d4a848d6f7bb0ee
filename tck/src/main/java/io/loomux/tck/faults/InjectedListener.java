package io.loomux.tck.faults;

import io.loomux.spi.Events;
import io.loomux.spi.ListenerHandle;
import io.loomux.spi.SocketHandle;
import io.loomux.spi.Triggering;
import io.loomux.tck.DelegatingProvider;

import java.io.IOException;
import java.net.SocketException;

/**
 * A listener whose accepts fail with EMFILE or ENFILE, or say "would block", in storms, while
 * the pending connections stay queued in the backend.
 */
final class InjectedListener extends DelegatingProvider.DelegatingListener {

    private final FaultInjectingProvider injector;
    private final FaultPlan plan;
    private final boolean edge;
    private final Dice dice;
    /** Accepts left in a storm; touched only by the accepting thread (one at a time). */
    private int descriptorStorm;
    private int wouldBlockStorm;
    private volatile InjectedRegistration registration;

    InjectedListener(FaultInjectingProvider injector, ListenerHandle backend, long id) {
        injector.super(backend);
        this.injector = injector;
        this.plan = injector.plan();
        this.edge = injector.triggering() == Triggering.EDGE;
        this.dice = new Dice(injector.seed(), id, Dice.ACCEPTS);
    }

    void registeredAs(InjectedRegistration reg) {
        registration = reg;
    }

    @Override
    public SocketHandle accept() throws IOException {
        if (descriptorStorm > 0) {
            descriptorStorm--;
            throw tooManyOpenFiles();
        }
        if (dice.roll(plan.perMille(Fault.TOO_MANY_OPEN_FILES))) {
            descriptorStorm = dice.between(0, plan.stormLength() - 1);
            throw tooManyOpenFiles();
        }
        if (wouldBlockStorm > 0 || dice.roll(plan.perMille(Fault.WOULD_BLOCK))) {
            wouldBlockStorm = wouldBlockStorm > 0 ? wouldBlockStorm - 1 : dice.between(0, plan.stormLength() - 1);
            injector.count(Fault.WOULD_BLOCK);
            InjectedRegistration r = registration;
            if (edge && r != null) {
                r.owe(Events.READABLE); // no edge follows a "would block" the backend did not say
            }
            return null;
        }
        return super.accept();
    }

    /** EMFILE or ENFILE, as the JDK reports them; the SPI asks for "Too many open files" in both. */
    private SocketException tooManyOpenFiles() {
        injector.count(Fault.TOO_MANY_OPEN_FILES);
        return new SocketException(dice.roll(500) ? "Too many open files" : "Too many open files in system");
    }

    @Override
    public void close() throws IOException {
        InjectedRegistration.gone(registration);
        d.close();
    }
}
