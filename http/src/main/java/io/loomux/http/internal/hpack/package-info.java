/**
 * HPACK (RFC 7541), the header compression of HTTP/2: a codec only, with no I/O and no state
 * beyond one connection's tables. {@link io.loomux.http.internal.hpack.HpackDecoder} turns one
 * complete header block from the peer into fields, under limits that keep a hostile block from
 * costing more memory than a header list the server accepts;
 * {@link io.loomux.http.internal.hpack.HpackEncoder} writes a response's fields into a block.
 * The HTTP/2 connection owns one of each per connection and calls them in frame order, since
 * both sides' dynamic tables follow the order of the blocks.
 *
 * <p>Internal: the module does not export this package.
 */
package io.loomux.http.internal.hpack;
