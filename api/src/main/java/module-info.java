/**
 * loomux api: the multiplexer SPI ({@code io.loomux.spi}) and the blocking layer users write
 * against ({@code io.loomux}). Depends on the JDK only.
 */
module io.loomux.api {
    exports io.loomux;
    exports io.loomux.spi;
    uses io.loomux.spi.MultiplexerProvider;
}
