package io.loomux.http.internal;

/**
 * The grammar of a chunk's first line (RFC 9112 section 7.1), without its CRLF:
 * <pre>
 * chunk-size [ chunk-ext ]
 * chunk-size = 1*HEXDIG
 * chunk-ext  = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 * chunk-ext-name = token
 * chunk-ext-val  = token / quoted-string
 * </pre>
 * Nothing outside it is tolerated (no whitespace around the size but before a {@code ;}, none
 * at the line's end, no sign, no NUL): where a proxy in front reads the size of a chunk
 * otherwise, the bytes after the chunk are a request it never checked (request smuggling).
 * Extensions are checked and ignored.
 */
final class ChunkLine {

    /**
     * The most significant hex digits of a size: 15 digits stay below 2^60, so the size can
     * neither overflow a long nor wrap around to a small one. Leading zeros do not count.
     */
    static final int MAX_SIZE_DIGITS = 15;

    private ChunkLine() {
    }

    /**
     * @param line a chunk's first line, without its CRLF
     * @return the chunk's size; 0 for the last chunk
     * @throws HttpError (400) if the line is outside the grammar, or the size has more than
     *                   {@link #MAX_SIZE_DIGITS} significant digits
     */
    static long size(String line) throws HttpError {
        int n = line.length();
        int i = 0;
        long size = 0;
        int significant = 0;
        for (; i < n; i++) {
            int d = hexDigit(line.charAt(i));
            if (d < 0) {
                break;
            }
            if ((size != 0 || d != 0) && ++significant > MAX_SIZE_DIGITS) {
                throw new HttpError(400, "Chunk size too large");
            }
            size = size * 16 + d;
        }
        if (i == 0) {
            throw new HttpError(400, "Bad chunk size");
        }
        // Bounded by the line: each pass consumes at least the ";" and a name.
        while (i < n) {
            i = skipBws(line, i);
            if (i == n || line.charAt(i) != ';') {
                throw new HttpError(400, "Bad chunk size or extension");
            }
            i = skipBws(line, i + 1);
            int nameEnd = tokenEnd(line, i);
            if (nameEnd == i) {
                throw new HttpError(400, "Bad chunk extension name");
            }
            i = nameEnd;
            // BWS only before "=" or the next ";": never at the line's end.
            int eq = skipBws(line, nameEnd);
            if (eq < n && line.charAt(eq) == '=') {
                i = skipBws(line, eq + 1);
                int valueEnd = i < n && line.charAt(i) == '"' ? quotedEnd(line, i) : tokenEnd(line, i);
                if (valueEnd <= i) {
                    throw new HttpError(400, "Bad chunk extension value");
                }
                i = valueEnd;
            }
        }
        return size;
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** BWS: optional spaces and tabs. */
    private static int skipBws(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    /** @return the end of the token starting at {@code i}; {@code i} if there is none */
    private static int tokenEnd(String s, int i) {
        while (i < s.length() && RequestHead.isTchar(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /**
     * RFC 9110 section 5.6.4: {@code DQUOTE *( qdtext / quoted-pair ) DQUOTE}.
     *
     * @param i the index of the opening quote
     * @return the index after the closing quote, or -1 if the string is unterminated or holds a
     *     character it may not
     */
    private static int quotedEnd(String s, int i) {
        // Bounded by the string: each pass consumes at least one character.
        for (i++; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                return i + 1;
            }
            if (c == '\\') {
                if (++i == s.length() || !isQuotedPairChar(s.charAt(i))) {
                    return -1;
                }
            } else if (!isQdtext(c)) {
                return -1;
            }
        }
        return -1;
    }

    /** HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text. */
    private static boolean isQdtext(char c) {
        return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e)
                || (c >= 0x80 && c <= 0xff);
    }

    /** HTAB / SP / VCHAR / obs-text. */
    private static boolean isQuotedPairChar(char c) {
        return c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7e) || (c >= 0x80 && c <= 0xff);
    }
}
