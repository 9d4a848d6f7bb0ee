/**
 * The loomux conformance kit: TestNG rules a multiplexer plugin must pass.
 *
 * <p>A plugin author adds {@code loomux-tck} as a test dependency and subclasses
 * {@link io.loomux.tck.MultiplexerVerification}, returning the provider under test from
 * {@link io.loomux.tck.MultiplexerVerification#createProvider()}. Every rule of the SPI contract
 * is one test method, named {@code required_...} or {@code optional_...}, whose Javadoc states
 * the rule and what to check when it fails; a last check, {@code kit_everyApplicableRuleRan},
 * fails the kit when a rule that applies was skipped, as for an unavailable backend. See
 * {@code docs/writing-a-plugin.md}.
 */
package io.loomux.tck;
