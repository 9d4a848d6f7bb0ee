package io.loomux;

import io.loomux.spi.Availability;
import io.loomux.spi.Triggering;

/**
 * A backend found through {@link java.util.ServiceLoader}, as {@link Loomux#backends()} lists it.
 *
 * @param name         the name to select it by
 * @param priority     its preference when none is named; highest wins
 * @param triggering   how its poll sets report readiness
 * @param availability whether it can run here, and why not
 * @param providerClass the provider's class name, to tell plugins apart
 */
public record BackendInfo(String name, int priority, Triggering triggering, Availability availability,
                          String providerClass) {
}
