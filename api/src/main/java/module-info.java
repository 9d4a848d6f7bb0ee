/**
 * loomux api: the multiplexer SPI ({@code io.loomux.spi}) and the blocking layer users write
 * against ({@code io.loomux}). Depends on the JDK only.
 */
module io.loomux.api {
    exports io.loomux;
    exports io.loomux.spi;
    // Not API: what loomux's own servers share (the accept loop, the idle reaper).
    exports io.loomux.internal.serve to io.loomux.http, io.loomux.server;
    uses io.loomux.spi.MultiplexerProvider;
}
