package io.loomux.tck.faults;

import io.loomux.selector.SelectorMultiplexerProvider;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.tck.MultiplexerVerification;

/**
 * The injector with a plan of no faults is the provider it wraps: around the Selector backend
 * it passes every rule of the kit, the ones that look at single calls and reports included.
 */
public class FaultFreeInjectorConformanceTest extends MultiplexerVerification {

    @Override
    protected MultiplexerProvider createProvider() {
        return new FaultInjectingProvider(new SelectorMultiplexerProvider(), 1, FaultPlan.none());
    }
}
