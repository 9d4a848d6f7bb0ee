package io.loomux.http.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The fuzz targets' oracle: strict readings of RFC 9112's request framing, written apart from
 * the server's parser so that the two can be compared. It works on raw bytes and states only
 * what the RFC says (plus the server's documented limits), not how the server reads it.
 */
final class Rfc9112 {

    private Rfc9112() {
    }

    /** RFC 9110 section 5.6.2: tchar. */
    static boolean isTchar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    static boolean isHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isOws(int c) {
        return c == ' ' || c == '\t';
    }

    /** @return the index of the next LF at or after {@code from} before {@code to}, or -1 */
    private static int lf(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** One line: its content (CR before the LF dropped) and where the next line starts. */
    private record Line(int start, int end, int next, boolean bareLf) {
        int length() {
            return end - start;
        }
    }

    private static Line line(byte[] b, int from, int to) {
        int lf = lf(b, from, to);
        if (lf < 0) {
            return null;
        }
        boolean cr = lf > from && b[lf - 1] == '\r';
        return new Line(from, cr ? lf - 1 : lf, lf + 1, !cr);
    }

    /**
     * Checks one field line (a header or trailer field) as RFC 9112 section 5 has it.
     *
     * @return why it is not acceptable, or null; its name and value go to {@code fields}
     */
    private static String fieldLine(byte[] b, Line l, List<String[]> fields) {
        if (b[l.start()] == ' ' || b[l.start()] == '\t') {
            return "obsolete line folding";
        }
        int colon = -1;
        for (int i = l.start(); i < l.end(); i++) {
            if (b[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= l.start()) {
            return "a field line without a name and colon";
        }
        for (int i = l.start(); i < colon; i++) {
            if (!isTchar(b[i] & 0xff)) {
                return "a field name that is not a token";
            }
        }
        int vs = colon + 1;
        int ve = l.end();
        while (vs < ve && isOws(b[vs])) {
            vs++;
        }
        while (ve > vs && isOws(b[ve - 1])) {
            ve--;
        }
        for (int i = vs; i < ve; i++) {
            int c = b[i] & 0xff;
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return "a control character (bare CR, NUL, ...) in a field value";
            }
        }
        fields.add(new String[] {latin1(b, l.start(), colon), latin1(b, vs, ve)});
        return null;
    }

    static String latin1(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** What the oracle reads in a request head. */
    record Head(String method, String version, List<String[]> fields) {
        List<String> values(String name) {
            List<String> out = new ArrayList<>();
            for (String[] f : fields) {
                if (f[0].equalsIgnoreCase(name)) {
                    out.add(f[1]);
                }
            }
            return out;
        }
    }

    /**
     * Reads the request head that the server says lies in {@code b[from, to)} and says why the
     * server must not have accepted it.
     *
     * @param heads where the head read is put when it is acceptable
     * @return why it is not acceptable, or null
     */
    static String headViolation(byte[] b, int from, int to, List<Head> heads) {
        int pos = from;
        Line request = null;
        // Bounded by the four empty lines the server skips at most.
        for (int empty = 0; empty <= 4; empty++) {
            Line l = line(b, pos, to);
            if (l == null) {
                return "no complete request line";
            }
            pos = l.next();
            if (l.length() > 0) {
                request = l;
                break;
            }
        }
        if (request == null) {
            return "more than four empty lines before the request line";
        }
        String violation = requestLine(b, request);
        if (violation != null) {
            return violation;
        }
        String text = latin1(b, request.start(), request.end());
        String method = text.substring(0, text.indexOf(' '));
        String version = text.substring(text.lastIndexOf(' ') + 1);
        List<String[]> fields = new ArrayList<>();
        // Bounded by the bytes of the head.
        while (true) {
            Line l = line(b, pos, to);
            if (l == null) {
                return "no empty line ends the head";
            }
            pos = l.next();
            if (l.length() == 0) {
                break;
            }
            String bad = fieldLine(b, l, fields);
            if (bad != null) {
                return bad;
            }
        }
        if (pos != to) {
            return "the head ends at " + pos + ", not where the server says (" + to + ")";
        }
        Head head = new Head(method, version, fields);
        violation = framing(head);
        if (violation != null) {
            return violation;
        }
        heads.add(head);
        return null;
    }

    private static String requestLine(byte[] b, Line l) {
        int sp1 = -1;
        int sp2 = -1;
        for (int i = l.start(); i < l.end(); i++) {
            if (b[i] == ' ') {
                if (sp1 < 0) {
                    sp1 = i;
                } else if (sp2 < 0) {
                    sp2 = i;
                } else {
                    return "more than two spaces in the request line";
                }
            }
        }
        if (sp1 <= l.start() || sp2 < 0 || sp2 == sp1 + 1) {
            return "not method SP target SP version";
        }
        for (int i = l.start(); i < sp1; i++) {
            if (!isTchar(b[i] & 0xff)) {
                return "a method that is not a token";
            }
        }
        for (int i = sp1 + 1; i < sp2; i++) {
            int c = b[i] & 0xff;
            if (c <= 0x20 || c >= 0x7f) {
                return "a control, space or non-ASCII byte in the target";
            }
        }
        String v = latin1(b, sp2 + 1, l.end());
        if (!v.matches("HTTP/1\\.[0-9]")) {
            return "a version other than HTTP/1.x: '" + v + "'";
        }
        return null;
    }

    /** RFC 9112 sections 3.2 and 6: what decides where the message ends. */
    private static String framing(Head head) {
        List<String> te = head.values("Transfer-Encoding");
        List<String> cl = head.values("Content-Length");
        if (!te.isEmpty() && !cl.isEmpty()) {
            return "both Transfer-Encoding and Content-Length";
        }
        if (!te.isEmpty()) {
            if (head.version().equals("HTTP/1.0")) {
                return "Transfer-Encoding in an HTTP/1.0 request";
            }
            String all = String.join(",", te).toLowerCase(Locale.ROOT);
            String[] codings = all.split(",");
            String last = "";
            for (String c : codings) {
                if (!c.trim().isEmpty()) {
                    last = c.trim();
                }
            }
            if (!last.equals("chunked")) {
                return "Transfer-Encoding without chunked last";
            }
        }
        long length = -1;
        for (String v : cl) {
            for (String t : v.split(",", -1)) {
                t = t.trim();
                if (!t.matches("[0-9]{1,18}")) {
                    return "a Content-Length that is not digits";
                }
                long n = Long.parseLong(t);
                if (length >= 0 && n != length) {
                    return "differing Content-Length values";
                }
                length = n;
            }
        }
        if (!head.version().equals("HTTP/1.0") && head.values("Host").size() != 1) {
            return "not exactly one Host";
        }
        return null;
    }

    /** How a chunked body reads by RFC 9112 section 7.1. */
    enum Verdict {
        /** Well formed and within the server's limits: it must be read to its end. */
        VALID,
        /** Well formed but for the leniencies listed in {@link ChunkedBody#lenient()}. */
        LENIENT,
        /** Malformed, cut short or over a limit: it must be refused. */
        REFUSE
    }

    /**
     * @param verdict how the body reads
     * @param data    the bytes its chunks carry, up to its end or to the fault
     * @param end     where the body ends in the input (VALID and LENIENT only)
     * @param why     what is wrong (REFUSE), or the leniencies taken (LENIENT)
     */
    record ChunkedBody(Verdict verdict, byte[] data, int end, String why) {
        boolean lenient() {
            return verdict == Verdict.LENIENT;
        }
    }

    /** The longest chunk line the server reads, CR excluded (RequestBody). */
    static final int MAX_CHUNK_LINE = 1024;
    /** The most significant hex digits of a chunk size the server reads (ChunkLine). */
    static final int MAX_CHUNK_DIGITS = 15;

    /**
     * Decodes a chunked body from {@code b[from, ...)}.
     *
     * <p>Some inputs the server reads today against the RFC: whitespace and control characters
     * around a chunk size ({@code " 5"}, {@code "5 "}, {@code "5\0"}), anything after a
     * {@code ;} (chunk extensions are not checked against their grammar), and a bare LF ending
     * a chunk line or a chunk's data. This decoder follows the server's reading there and
     * records each one, so that the verdict is LENIENT rather than REFUSE and the data still
     * compares; every other fault is REFUSE.
     *
     * @param maxFieldBytes the server's maxHeaderBytes, which also bounds the trailer
     * @param maxFields     the server's maxHeaders, which also bounds the trailer
     */
    static ChunkedBody chunked(byte[] b, int from, int maxFieldBytes, int maxFields) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        List<String> lenient = new ArrayList<>();
        int pos = from;
        // Bounded: each pass consumes at least one line of the input.
        while (true) {
            Line l = line(b, pos, b.length);
            if (l == null) {
                return refuse(data, "the input ends inside a chunk line");
            }
            if (l.length() > MAX_CHUNK_LINE) {
                return refuse(data, "a chunk line over " + MAX_CHUNK_LINE + " bytes");
            }
            if (l.bareLf()) {
                lenient.add("a bare LF ends a chunk line");
            }
            long size = strictChunkSize(b, l);
            if (size == -2) {
                return refuse(data, "more than " + MAX_CHUNK_DIGITS + " hex digits in a chunk size");
            }
            if (size < 0) {
                size = serverChunkSize(b, l);
                if (size == -2) {
                    return refuse(data, "more than " + MAX_CHUNK_DIGITS + " hex digits in a chunk size");
                }
                if (size < 0) {
                    return refuse(data, "a chunk line that is not 1*HEXDIG [ chunk-ext ]: '"
                            + latin1(b, l.start(), l.end()) + "'");
                }
                lenient.add("chunk line '" + latin1(b, l.start(), l.end()) + "' read as size " + size);
            }
            pos = l.next();
            if (size == 0) {
                return trailer(b, pos, data, lenient, maxFieldBytes, maxFields);
            }
            long available = b.length - pos;
            if (available < size) {
                data.write(b, pos, (int) available);
                return refuse(data, "the input ends inside a chunk's data");
            }
            data.write(b, pos, (int) size);
            pos += (int) size;
            Line after = line(b, pos, b.length);
            if (after == null || after.length() != 0) {
                return refuse(data, "no CRLF after a chunk's data");
            }
            if (after.bareLf()) {
                lenient.add("a bare LF after a chunk's data");
            }
            pos = after.next();
        }
    }

    private static ChunkedBody refuse(ByteArrayOutputStream data, String why) {
        return new ChunkedBody(Verdict.REFUSE, data.toByteArray(), -1, why);
    }

    /**
     * {@code chunk-size [ chunk-ext ]}: {@code 1*HEXDIG *( BWS ";" BWS token [ BWS "=" BWS
     * ( token / quoted-string ) ] )}.
     *
     * @return the size; -1 if the line breaks the grammar; -2 if the size has too many digits
     */
    private static long strictChunkSize(byte[] b, Line l) {
        int i = l.start();
        int end = l.end();
        long size = 0;
        int digits = 0;
        int significant = 0;
        while (i < end && isHex(b[i] & 0xff)) {
            int d = Character.digit(b[i], 16);
            // Leading zeros do not count towards the limit: the value is what could overflow.
            if ((size != 0 || d != 0) && ++significant > MAX_CHUNK_DIGITS) {
                return -2;
            }
            size = size * 16 + d;
            digits++;
            i++;
        }
        if (digits == 0) {
            return -1;
        }
        // Bounded: each pass consumes one extension or fails.
        while (i < end) {
            i = skipOws(b, i, end);
            if (i == end || b[i] != ';') {
                return -1;
            }
            i = skipOws(b, i + 1, end);
            int name = i;
            while (i < end && isTchar(b[i] & 0xff)) {
                i++;
            }
            if (i == name) {
                return -1;
            }
            int afterName = i;
            i = skipOws(b, i, end);
            if (i < end && b[i] == '=') {
                i = skipOws(b, i + 1, end);
                int value = extValue(b, i, end);
                if (value < 0) {
                    return -1;
                }
                i = value;
            } else {
                i = afterName;
            }
        }
        return size;
    }

    private static int skipOws(byte[] b, int i, int end) {
        while (i < end && isOws(b[i])) {
            i++;
        }
        return i;
    }

    /** @return the index after a token or quoted-string at {@code i}, or -1 */
    private static int extValue(byte[] b, int i, int end) {
        if (i < end && b[i] == '"') {
            i++;
            while (i < end) {
                int c = b[i] & 0xff;
                if (c == '"') {
                    return i + 1;
                }
                if (c == '\\') {
                    if (i + 1 >= end) {
                        return -1;
                    }
                    int q = b[i + 1] & 0xff;
                    if (q != '\t' && (q < 0x20 || q == 0x7f)) {
                        return -1;
                    }
                    i += 2;
                    continue;
                }
                if (c != '\t' && (c < 0x20 || c == 0x7f)) {
                    return -1;
                }
                i++;
            }
            return -1;
        }
        int start = i;
        while (i < end && isTchar(b[i] & 0xff)) {
            i++;
        }
        return i == start ? -1 : i;
    }

    /**
     * The server's own reading of a chunk line: the text before any {@code ;}, with
     * whitespace and control characters trimmed from both ends, as hex.
     *
     * @return the size; -1 if it reads none; -2 if too many digits
     */
    private static long serverChunkSize(byte[] b, Line l) {
        int end = l.end();
        for (int i = l.start(); i < l.end(); i++) {
            if (b[i] == ';') {
                end = i;
                break;
            }
        }
        int s = l.start();
        while (s < end && (b[s] & 0xff) <= ' ') {
            s++;
        }
        while (end > s && (b[end - 1] & 0xff) <= ' ') {
            end--;
        }
        if (s == end) {
            return -1;
        }
        if (end - s > MAX_CHUNK_DIGITS) {
            return -2;
        }
        long size = 0;
        for (int i = s; i < end; i++) {
            if (!isHex(b[i] & 0xff)) {
                return -1;
            }
            size = size * 16 + Character.digit(b[i], 16);
        }
        return size;
    }

    private static ChunkedBody trailer(byte[] b, int pos, ByteArrayOutputStream data, List<String> lenient,
                                       int maxFieldBytes, int maxFields) {
        int bytes = 0;
        int count = 0;
        List<String[]> fields = new ArrayList<>();
        // Bounded by the input: each pass consumes a line.
        while (true) {
            Line l = line(b, pos, b.length);
            if (l == null) {
                return refuse(data, "the input ends inside the trailer");
            }
            if (l.length() > maxFieldBytes - bytes) {
                return refuse(data, "a trailer over " + maxFieldBytes + " bytes");
            }
            pos = l.next();
            if (l.bareLf()) {
                lenient.add("a bare LF ends a trailer line");
            }
            if (l.length() == 0) {
                byte[] d = data.toByteArray();
                return lenient.isEmpty() ? new ChunkedBody(Verdict.VALID, d, pos, null)
                        : new ChunkedBody(Verdict.LENIENT, d, pos, String.join("; ", lenient));
            }
            bytes += l.length() + 2;
            if (++count > maxFields) {
                return refuse(data, "more than " + maxFields + " trailer fields");
            }
            String bad = fieldLine(b, l, fields);
            if (bad != null) {
                return refuse(data, "trailer: " + bad);
            }
        }
    }
}
