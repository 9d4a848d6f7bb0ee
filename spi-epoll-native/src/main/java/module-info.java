/**
 * loomux's Linux backend: edge-triggered epoll over a small JNI library that ships inside this
 * module's jar. Found through {@link java.util.ServiceLoader} under the name {@code "epoll"}.
 */
module io.loomux.epoll {
    requires io.loomux.api;
    provides io.loomux.spi.MultiplexerProvider with io.loomux.epoll.EpollMultiplexerProvider;
}
