/**
 * Internals of the selector backend; not exported from the module, no compatibility promise.
 *
 * <p>One class per concept: {@link io.loomux.selector.internal.SelectorMultiplexer} opens
 * sockets and poll sets; {@link io.loomux.selector.internal.ChannelHandle} and its two kinds
 * wrap NIO channels; {@link io.loomux.selector.internal.SelectorPollSet} and
 * {@link io.loomux.selector.internal.SelectorRegistration} turn a level-triggered
 * {@code Selector} into a one-shot poll set that any thread may arm without touching the
 * selector.
 */
package io.loomux.selector.internal;
