/**
 * loomux server: a TCP server whose handlers are plain blocking code on virtual threads, and the
 * {@code loomux} command line. It finds backends through {@link java.util.ServiceLoader} only
 * (the {@code uses} clause is in {@code io.loomux.api}), so it never reads a backend module.
 */
module io.loomux.server {
    // transitive: the server's API speaks in io.loomux types (Connection, Loomux, BackendInfo).
    requires transitive io.loomux.api;
    requires java.management;
    requires io.loomux.http;

    exports io.loomux.server;
    // io.loomux.server.cli holds the command line's Main: a launcher runs it from this module
    // (java -m io.loomux.server/io.loomux.server.cli.Main) without it being exported.
}
