/**
 * Fault injection for multiplexer backends: {@link io.loomux.tck.faults.FaultInjectingProvider}
 * wraps any provider and, from a seed and a {@link io.loomux.tck.faults.FaultPlan}, injects the
 * faults a backend may show within the SPI's contract, counting them by kind
 * ({@link io.loomux.tck.faults.FaultCounts}). The kit's {@code required_...UnderInjectedFaults}
 * rules run the blocking layer over it; a plugin author or a soak can use it directly, since
 * nothing here depends on TestNG. See {@code docs/writing-a-plugin.md}.
 */
package io.loomux.tck.faults;
