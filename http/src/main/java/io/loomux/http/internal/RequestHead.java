package io.loomux.http.internal;

import io.loomux.http.HttpServerSettings;

import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * One request's line and header fields, parsed and checked by the rules of RFC 9112. Everything
 * that decides where this request ends and the next begins is checked strictly, because a
 * server and a proxy in front of it that disagree on it can be made to see a smuggled request:
 * both Content-Length and Transfer-Encoding, differing Content-Lengths, a transfer coding other
 * than a single {@code chunked}, obsolete line folding, a bare CR, and whitespace between a
 * field name and its colon are all refused with 400 (or 501 for an unknown coding).
 *
 * @param method         the method, case kept
 * @param target         the request target as sent
 * @param uri            the target as a URI
 * @param protocol       the version as sent, e.g. {@code HTTP/1.1}
 * @param http10         whether the client speaks HTTP/1.0 (no chunked responses, close by default)
 * @param headers        the header fields
 * @param contentLength  the body's length, 0 when there is none, -1 when chunked
 * @param keepAlive      whether the client lets the connection carry another request
 * @param expectContinue whether the client waits for 100 Continue before sending the body
 */
record RequestHead(String method, String target, URI uri, String protocol, boolean http10, RequestHeaders headers,
                   long contentLength, boolean keepAlive, boolean expectContinue) {

    /** At most this many empty lines are skipped before a request line (RFC 9112 section 2.2). */
    private static final int MAX_LEADING_EMPTY_LINES = 4;

    boolean chunked() {
        return contentLength < 0;
    }

    boolean isHead() {
        return method.equals("HEAD");
    }

    /**
     * Reads one request head.
     *
     * @param in         the connection's input, with its timeouts set by the caller
     * @param settings   the limits
     * @param firstByte  called once the first byte of the request has arrived (to start the header
     *                   timeout), before any more is read
     * @return the head, or null if the connection ended cleanly before a request began
     * @throws HttpError   when the request must be refused
     * @throws IOException when reading fails (a timeout included)
     */
    static RequestHead read(HttpInput in, HttpServerSettings settings, Runnable firstByte)
            throws HttpError, IOException {
        String line;
        int empty = 0;
        // Bounded by MAX_LEADING_EMPTY_LINES.
        while (true) {
            if (in.buffered() == 0) {
                if (!in.fill()) {
                    return null;
                }
            }
            if (firstByte != null) {
                firstByte.run();
                firstByte = null;
            }
            try {
                line = in.readLine(settings.maxRequestLineLength());
            } catch (HttpInput.LineTooLongException e) {
                throw new HttpError(414, "The request line is longer than " + settings.maxRequestLineLength()
                        + " bytes");
            } catch (EOFException e) {
                throw new HttpError(400, "The connection ended inside the request line");
            }
            if (line == null) {
                return null;
            }
            if (!line.isEmpty()) {
                break;
            }
            if (++empty > MAX_LEADING_EMPTY_LINES) {
                throw new HttpError(400, "Empty lines instead of a request line");
            }
        }

        int sp1 = line.indexOf(' ');
        int sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
        if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0 || sp2 == sp1 + 1) {
            throw new HttpError(400, "Bad request line");
        }
        String method = line.substring(0, sp1);
        if (!isToken(method, 0, method.length())) {
            throw new HttpError(400, "Bad request method");
        }
        String target = line.substring(sp1 + 1, sp2);
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new HttpError(400, "Bad character in the request target");
            }
        }
        String protocol = line.substring(sp2 + 1);
        boolean http10 = version(protocol);
        URI uri;
        try {
            uri = new URI(target);
        } catch (URISyntaxException e) {
            throw new HttpError(400, "Bad request target");
        }

        RequestHeaders headers = readFields(in, settings, true);

        List<String> lengths = headers.normal("Content-length");
        List<String> codings = headers.normal("Transfer-encoding");
        boolean hasLength = lengths != null;
        boolean hasCoding = codings != null;
        long length = 0;
        if (hasCoding) {
            if (hasLength) {
                throw new HttpError(400, "Both Content-Length and Transfer-Encoding");
            }
            if (http10) {
                throw new HttpError(400, "Transfer-Encoding in an HTTP/1.0 request");
            }
            length = -1;
            checkCodings(codings);
        } else if (hasLength) {
            length = contentLength(lengths);
        }
        if (!http10) {
            List<String> host = headers.normal("Host");
            if (host == null ? settings.requireHost() : host.size() != 1) {
                throw new HttpError(400, host == null ? "No Host header" : "More than one Host header");
            }
        }

        boolean close = false;
        boolean keepAliveToken = false;
        List<String> connection = headers.normal("Connection");
        if (connection != null) {
            for (String v : connection) {
                for (String token : v.split(",")) {
                    String t = token.trim();
                    if (t.equalsIgnoreCase("close")) {
                        close = true;
                    } else if (t.equalsIgnoreCase("keep-alive")) {
                        keepAliveToken = true;
                    }
                }
            }
        }
        boolean keepAlive = !close && (!http10 || keepAliveToken);

        boolean expectContinue = false;
        List<String> expects = headers.normal("Expect");
        String expect = expects == null ? null : expects.get(0);
        if (expect != null) {
            if (!expect.equalsIgnoreCase("100-continue")) {
                throw new HttpError(417, "Unsupported expectation");
            }
            // A 1.0 client cannot understand 100 Continue: ignore the expectation (RFC 9110 10.1.1).
            expectContinue = !http10 && length != 0;
        }
        return new RequestHead(method, target, uri, protocol, http10, headers, length, keepAlive, expectContinue);
    }

    /** @return whether the version is HTTP/1.0 (else it is 1.x, treated as 1.1) */
    private static boolean version(String protocol) throws HttpError {
        if (protocol.length() != 8 || !protocol.startsWith("HTTP/") || protocol.charAt(6) != '.'
                || !isDigit(protocol.charAt(5)) || !isDigit(protocol.charAt(7))) {
            throw new HttpError(400, "Bad HTTP version");
        }
        if (protocol.charAt(5) != '1') {
            throw new HttpError(505, "HTTP version not supported");
        }
        return protocol.charAt(7) == '0';
    }

    /**
     * Reads header (or trailer) fields up to the empty line.
     *
     * @param request true for a request's header (limits answered with 431), false for a chunked
     *                body's trailer
     */
    static RequestHeaders readFields(HttpInput in, HttpServerSettings settings, boolean request)
            throws HttpError, IOException {
        RequestHeaders headers = new RequestHeaders();
        int bytes = 0;
        int count = 0;
        // Bounded by maxHeaders and maxHeaderBytes.
        while (true) {
            String line;
            try {
                int max = settings.maxHeaderBytes() - bytes;
                // A trailer is part of a chunked body, whose lines end with CRLF only.
                line = request ? in.readLine(max) : in.readCrlfLine(max);
            } catch (HttpInput.LineTooLongException e) {
                throw new HttpError(431, "Request header fields larger than " + settings.maxHeaderBytes() + " bytes");
            } catch (HttpInput.BareLfException e) {
                throw new HttpError(400, "A trailer field line ended by a bare LF");
            }
            if (line == null) {
                throw new EOFException("the connection ended inside the " + (request ? "header" : "trailer"));
            }
            if (line.isEmpty()) {
                return headers.seal();
            }
            bytes += line.length() + 2;
            if (++count > settings.maxHeaders()) {
                throw new HttpError(431, "More than " + settings.maxHeaders() + " request header fields");
            }
            char first = line.charAt(0);
            if (first == ' ' || first == '\t') {
                throw new HttpError(400, "Obsolete line folding in a header field");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new HttpError(400, "Bad header field");
            }
            if (!isToken(line, 0, colon)) {
                // Includes whitespace before the colon (RFC 9112 section 5.1).
                throw new HttpError(400, "Bad header field name");
            }
            int start = colon + 1;
            int end = line.length();
            while (start < end && isOws(line.charAt(start))) {
                start++;
            }
            while (end > start && isOws(line.charAt(end - 1))) {
                end--;
            }
            for (int i = start; i < end; i++) {
                char c = line.charAt(i);
                if ((c < ' ' && c != '\t') || c == 0x7f) {
                    // A bare CR, NUL or another control character.
                    throw new HttpError(400, "Bad character in a header field value");
                }
            }
            String common = FieldNames.common(line, colon);
            String value = line.substring(start, end);
            if (common != null) {
                headers.appendNormal(common, value);
            } else {
                headers.append(line.substring(0, colon), value);
            }
        }
    }

    private static void checkCodings(List<String> values) throws HttpError {
        int codings = 0;
        boolean chunkedLast = false;
        for (String v : values) {
            for (String token : v.split(",", -1)) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                if (t.isEmpty()) {
                    continue;
                }
                codings++;
                chunkedLast = t.equals("chunked");
                if (!chunkedLast && !t.equals("gzip") && !t.equals("x-gzip") && !t.equals("deflate")
                        && !t.equals("compress")) {
                    throw new HttpError(501, "Transfer coding not implemented");
                }
            }
        }
        if (!chunkedLast) {
            // RFC 9112 section 6.3: without chunked last, the body's end cannot be known.
            throw new HttpError(400, "Transfer-Encoding does not end with chunked");
        }
        if (codings > 1) {
            throw new HttpError(501, "Transfer coding not implemented");
        }
    }

    private static long contentLength(List<String> values) throws HttpError {
        long length = -1;
        for (String v : values) {
            for (String token : v.split(",", -1)) {
                String t = token.trim();
                if (t.isEmpty() || t.length() > 18) {
                    throw new HttpError(400, "Bad Content-Length");
                }
                long n = 0;
                for (int i = 0; i < t.length(); i++) {
                    char c = t.charAt(i);
                    if (!isDigit(c)) {
                        throw new HttpError(400, "Bad Content-Length");
                    }
                    n = n * 10 + (c - '0');
                }
                if (length >= 0 && n != length) {
                    throw new HttpError(400, "Differing Content-Length values");
                }
                length = n;
            }
        }
        return length;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    /** RFC 9110 section 5.6.2: tchar. */
    private static boolean isToken(String s, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (!isTchar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9110 section 5.6.2: a character of a token. */
    static boolean isTchar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
