package io.loomux.http.internal.hpack;

/**
 * Receives the fields of a header block from {@link HpackDecoder#decode}, in block order.
 */
@FunctionalInterface
public interface FieldSink {

    /**
     * One field of the block.
     *
     * @param name  the name as its octets read as ISO-8859-1; not checked against HTTP/2's rules
     *              for names (lower case, no pseudo-field after a regular one), which are the
     *              caller's to apply
     * @param value the value as its octets read as ISO-8859-1, not checked either
     */
    void field(String name, String value);
}
