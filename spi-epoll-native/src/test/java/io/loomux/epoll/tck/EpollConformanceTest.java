package io.loomux.epoll.tck;

import io.loomux.epoll.EpollMultiplexerProvider;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.tck.MultiplexerVerification;

/**
 * The epoll backend against every rule of the loomux conformance kit. Where the backend is
 * unavailable (not Linux, no native library), the kit skips every rule but the availability ones,
 * with the backend's own reason.
 */
public class EpollConformanceTest extends MultiplexerVerification {

    @Override
    protected MultiplexerProvider createProvider() {
        return new EpollMultiplexerProvider();
    }
}
