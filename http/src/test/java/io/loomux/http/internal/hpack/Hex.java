package io.loomux.http.internal.hpack;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/** Hex dumps as RFC 7541 Appendix C prints them ("8286 8441 ..."), to and from bytes. */
final class Hex {

    private Hex() {
    }

    /** The bytes of a dump; spaces and line breaks are ignored. */
    static byte[] bytes(String dump) {
        return HexFormat.of().parseHex(dump.replaceAll("\\s", ""));
    }

    /** A buffer over the bytes of a dump. */
    static ByteBuffer block(String dump) {
        return ByteBuffer.wrap(bytes(dump));
    }

    /** Bytes as a dump without spaces. */
    static String of(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
