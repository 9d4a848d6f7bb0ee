/**
 * The {@code loomux} command line: {@code serve}, {@code hello}, {@code echo} and
 * {@code backends}. It finds backends through {@link java.util.ServiceLoader} only (the
 * {@code uses} clause is in {@code io.loomux.api}), so it never reads a backend module.
 */
module io.loomux.cli {
    requires io.loomux.server;
    requires io.loomux.http;

    // io.loomux.cli holds Main: a launcher runs it from this module
    // (java -m io.loomux.cli/io.loomux.cli.Main) without it being exported.
}
