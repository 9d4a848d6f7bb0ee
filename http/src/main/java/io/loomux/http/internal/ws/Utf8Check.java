package io.loomux.http.internal.ws;

/**
 * Checks that bytes are UTF-8 (RFC 3629) as they come, piece by piece: a code point may be split
 * across the pieces (a text message's fragments), and a piece that can no longer begin valid
 * text fails at once, as RFC 6455 section 8.1 wants. Refuses overlong forms, surrogates and
 * code points past U+10FFFF, by the ranges of the Unicode standard's table 3-7.
 *
 * <p>State: how many continuation bytes the code point under way still needs, and the range the
 * next one must fall in (narrower than 80..BF only for the second byte after E0, ED, F0, F4).
 */
final class Utf8Check {

    private int needed;
    private int lo = 0x80;
    private int hi = 0xBF;

    /** Starts a new text. */
    void reset() {
        needed = 0;
        lo = 0x80;
        hi = 0xBF;
    }

    /** @return whether the text so far ends on a whole code point */
    boolean complete() {
        return needed == 0;
    }

    /**
     * @param b   the bytes
     * @param off the first
     * @param len how many
     * @return false if they cannot continue valid UTF-8 (the check is then spent)
     */
    boolean feed(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        // Bounded by len: each pass takes one byte.
        while (i < end) {
            int c = b[i++];
            if (needed == 0) {
                if (c >= 0) {
                    continue;
                }
                c &= 0xFF;
                if (c >= 0xC2 && c <= 0xDF) {
                    needed = 1;
                } else if (c >= 0xE0 && c <= 0xEF) {
                    needed = 2;
                    lo = c == 0xE0 ? 0xA0 : 0x80;
                    hi = c == 0xED ? 0x9F : 0xBF;
                } else if (c >= 0xF0 && c <= 0xF4) {
                    needed = 3;
                    lo = c == 0xF0 ? 0x90 : 0x80;
                    hi = c == 0xF4 ? 0x8F : 0xBF;
                } else {
                    return false;
                }
            } else {
                c &= 0xFF;
                if (c < lo || c > hi) {
                    return false;
                }
                needed--;
                lo = 0x80;
                hi = 0xBF;
            }
        }
        return true;
    }
}
