/**
 * The portable loomux backend, on the JDK's {@link java.nio.channels.Selector}.
 *
 * <p>It runs wherever the JDK runs and is the backend chosen when no native one is available
 * (priority 10). A {@code Selector} is level-triggered; this backend makes it
 * {@link io.loomux.spi.Triggering#ONE_SHOT one-shot} by removing each direction's interest as
 * soon as it is reported, so the blocking layer re-arms before each wait. What it cannot do:
 * tell a hang-up or a socket error apart from readiness. The JDK reports those as readiness of
 * whatever interest is armed, so this backend reports {@link io.loomux.spi.Events#READABLE} or
 * {@link io.loomux.spi.Events#WRITABLE} for them, never {@link io.loomux.spi.Events#HANGUP} or
 * {@link io.loomux.spi.Events#ERROR}; the next read or write then returns -1 or throws.
 */
package io.loomux.selector;
