/**
 * The portable loomux backend on {@link java.nio.channels.Selector}: found through
 * {@link java.util.ServiceLoader} as the {@code "selector"} backend. It exports nothing; the
 * server reaches it through the {@code io.loomux.spi} interfaces only.
 */
module io.loomux.selector {
    requires io.loomux.api;
    requires org.jctools.core;

    provides io.loomux.spi.MultiplexerProvider with io.loomux.selector.SelectorMultiplexerProvider;
}
