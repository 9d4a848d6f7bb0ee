/**
 * A sample third-party loomux backend, {@code "counting"}: it wraps another backend found through
 * {@link java.util.ServiceLoader} and counts the calls and events that pass through it.
 */
module com.example.loomux.counting {
    requires io.loomux.api;

    exports com.example.loomux.counting;

    uses io.loomux.spi.MultiplexerProvider;
    provides io.loomux.spi.MultiplexerProvider with com.example.loomux.counting.CountingMultiplexerProvider;
}
