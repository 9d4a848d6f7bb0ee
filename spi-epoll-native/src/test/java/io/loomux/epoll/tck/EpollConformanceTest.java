package io.loomux.epoll.tck;

import io.loomux.epoll.EpollMultiplexerProvider;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.tck.MultiplexerVerification;

/**
 * The epoll backend against every rule of the loomux conformance kit. On Linux the build makes
 * the native library, so the backend must be available there and the kit fails if it is not;
 * elsewhere it is unavailable by design and the kit skips every rule but the availability ones,
 * with the backend's own reason.
 */
public class EpollConformanceTest extends MultiplexerVerification {

    @Override
    protected MultiplexerProvider createProvider() {
        return new EpollMultiplexerProvider();
    }

    /** @return true off Linux, where the backend cannot run */
    @Override
    protected boolean unavailableIsExpected() {
        return !System.getProperty("os.name", "").startsWith("Linux");
    }
}
