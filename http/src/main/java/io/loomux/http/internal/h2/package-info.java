/**
 * HTTP/2 (RFC 9113) for the server: for now the frame layer alone, with no I/O. A
 * {@link io.loomux.http.internal.h2.FrameReader} parses the bytes a client sends, fed in pieces
 * of any size, and hands typed frames to a
 * {@link io.loomux.http.internal.h2.FrameListener}; a
 * {@link io.loomux.http.internal.h2.FrameWriter} encodes the frames a server sends;
 * {@link io.loomux.http.internal.h2.Settings} and
 * {@link io.loomux.http.internal.h2.FlowWindow} hold the values and the window arithmetic the
 * connection keeps. Header blocks are opaque bytes here (HPACK has a package of its own).
 * The package is not exported by the module.
 */
package io.loomux.http.internal.h2;
