package com.example.loomux.counting;

import io.loomux.spi.MultiplexerProvider;
import io.loomux.tck.MultiplexerVerification;

/** The sample plugin against every rule of the loomux conformance kit. */
public class CountingConformanceTest extends MultiplexerVerification {

    @Override
    protected MultiplexerProvider createProvider() {
        return new CountingMultiplexerProvider();
    }
}
