/**
 * loomux server: a TCP server whose handlers are plain blocking code on virtual threads. It
 * finds backends through {@link java.util.ServiceLoader} only (the {@code uses} clause is in
 * {@code io.loomux.api}), so it never reads a backend module.
 */
module io.loomux.server {
    // transitive: the server's API speaks in io.loomux types (Connection, Loomux, BackendInfo).
    requires transitive io.loomux.api;
    requires java.management;

    exports io.loomux.server;
}
