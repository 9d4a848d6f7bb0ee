package io.loomux.tck.selector;

import io.loomux.selector.SelectorMultiplexerProvider;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.tck.MultiplexerVerification;

/**
 * The Selector backend against every rule of the loomux conformance kit. It lives here rather
 * than in spi-selector's tests because the kit's self-test wraps the Selector backend: a
 * test dependency each way would be a cycle that Maven refuses.
 */
public class SelectorConformanceTest extends MultiplexerVerification {

    @Override
    protected MultiplexerProvider createProvider() {
        return new SelectorMultiplexerProvider();
    }
}
