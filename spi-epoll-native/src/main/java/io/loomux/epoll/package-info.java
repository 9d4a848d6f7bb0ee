/**
 * loomux's Linux epoll backend. The only public types are the provider, which
 * {@link java.util.ServiceLoader} finds, and {@link io.loomux.epoll.EpollStats}, the system-call
 * counters tests and benchmarks read; everything else is package-private.
 */
package io.loomux.epoll;
