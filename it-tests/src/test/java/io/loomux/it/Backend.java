package io.loomux.it;

import io.loomux.BackendInfo;

/**
 * One backend as a test parameter. Its {@link #toString()} is the backend's name, so TestNG's
 * reports and every assertion message that includes it say which backend a result belongs to.
 *
 * @param info what {@link io.loomux.Loomux#backends()} reported, or null when ServiceLoader found
 *             no backend at all (then every scenario fails rather than silently running nothing)
 */
public record Backend(BackendInfo info) {

    /** @return the backend's name, as {@code Loomux.builder().backend(name)} takes it */
    public String name() {
        return info == null ? "<none found>" : info.name();
    }

    @Override
    public String toString() {
        return name();
    }
}
