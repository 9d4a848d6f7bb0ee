package io.loomux.http.internal.h2;

import io.loomux.http.internal.FieldNames;
import io.loomux.http.internal.RequestHeaders;
import io.loomux.http.internal.hpack.FieldSink;

/**
 * Takes a request's decoded header block apart (RFC 9113 section 8.3.1): the pseudo-header
 * fields, then the regular ones, which become the {@link RequestHeaders} a handler sees. A
 * request that breaks a rule of section 8.2 or 8.3 is malformed: {@link #malformed()} says why,
 * and the stream is reset with PROTOCOL_ERROR.
 *
 * <p>What the handler sees is what an HTTP/1.1 request would show: {@code :authority} becomes
 * {@code Host} (when no {@code host} field came), several {@code cookie} fields become one joined
 * by {@code "; "} (section 8.2.3), names are in the form {@code Headers} gives them.
 *
 * <p>One per header block; used by the connection's reader only.
 */
final class RequestFields implements FieldSink {

    private final RequestHeaders headers = new RequestHeaders();
    private String method;
    private String scheme;
    private String authority;
    private String path;
    private String protocol;
    private String host;
    private StringBuilder cookie;
    private long contentLength = -1;
    private String expect;
    private boolean regularSeen;
    private String malformed;
    /** Whether this is a trailer block: no pseudo-header field is allowed. */
    private final boolean trailers;

    /** @param trailers whether the block is a request's trailers rather than its head */
    RequestFields(boolean trailers) {
        this.trailers = trailers;
    }

    @Override
    public void field(String name, String value) {
        if (malformed != null) {
            return;
        }
        if (!name.isEmpty() && name.charAt(0) == ':') {
            pseudo(name, value);
            return;
        }
        regularSeen = true;
        if (!lowerCaseToken(name)) {
            malformed = "field name " + printable(name) + " is not a lower-case token";
            return;
        }
        if (!fieldValue(value)) {
            malformed = "the value of " + name + " holds a character a field may not hold";
            return;
        }
        switch (name) {
            case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade" -> {
                malformed = "connection-specific field " + name;
                return;
            }
            case "te" -> {
                if (!value.equals("trailers")) {
                    malformed = "te other than trailers";
                    return;
                }
            }
            case "cookie" -> {
                // Joined into one field once the block is whole.
                if (cookie == null) {
                    cookie = new StringBuilder(value);
                } else {
                    cookie.append("; ").append(value);
                }
                return;
            }
            case "expect" -> expect = value;
            case "host" -> {
                if (host != null) {
                    malformed = "more than one host field";
                    return;
                }
                host = value;
            }
            case "content-length" -> {
                long n = contentLength(value);
                if (n < 0 || (contentLength >= 0 && n != contentLength)) {
                    malformed = "bad content-length";
                    return;
                }
                contentLength = n;
            }
            default -> { }
        }
        headers.appendNormal(FieldNames.normalise(name), value);
    }

    private void pseudo(String name, String value) {
        if (trailers) {
            malformed = "pseudo-header field " + printable(name) + " in trailers";
            return;
        }
        if (regularSeen) {
            malformed = "pseudo-header field " + printable(name) + " after a regular field";
            return;
        }
        String before;
        switch (name) {
            case ":method" -> {
                before = method;
                method = value;
            }
            case ":scheme" -> {
                before = scheme;
                scheme = value;
            }
            case ":authority" -> {
                before = authority;
                authority = value;
            }
            case ":path" -> {
                before = path;
                path = value;
            }
            case ":protocol" -> {
                before = protocol;
                protocol = value;
            }
            default -> {
                malformed = "unknown pseudo-header field " + printable(name);
                return;
            }
        }
        if (before != null) {
            malformed = "pseudo-header field " + name + " more than once";
        }
    }

    /**
     * Ends the block: checks what must be there, then seals the headers.
     *
     * @return this
     */
    RequestFields end() {
        if (malformed == null && !trailers) {
            if (protocol != null) {
                malformed = ":protocol without extended CONNECT";
            } else if (method == null || method.isEmpty() || !token(method)) {
                malformed = "no valid :method";
            } else if ("CONNECT".equals(method)) {
                if (scheme != null || path != null || authority == null) {
                    malformed = "CONNECT takes :authority only";
                }
            } else if (scheme == null || scheme.isEmpty()) {
                malformed = "no :scheme";
            } else if (path == null || path.isEmpty()) {
                malformed = "no :path";
            } else if (authority != null && host != null && !authority.equals(host)) {
                // Section 8.3.1: a host field that differs from :authority is malformed.
                malformed = "host differs from :authority";
            }
        }
        if (malformed == null) {
            if (!trailers && host == null && authority != null && !authority.isEmpty()) {
                headers.appendNormal("Host", authority);
            }
            if (cookie != null) {
                headers.appendNormal("Cookie", cookie.toString());
            }
        }
        headers.seal();
        return this;
    }

    /** @return why the request is malformed, or null if it is not */
    String malformed() {
        return malformed;
    }

    String method() {
        return method;
    }

    String scheme() {
        return scheme;
    }

    /** @return {@code :path}: the request target */
    String path() {
        return path;
    }

    RequestHeaders headers() {
        return headers;
    }

    /** @return whether the client waits for a 100 (Continue) before it sends the body */
    boolean expectsContinue() {
        return expect != null && expect.equalsIgnoreCase("100-continue");
    }

    /** @return the content-length the request declared, or -1 if none */
    long contentLength() {
        return contentLength;
    }

    private static boolean lowerCaseToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z' || !tchar(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean token(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!tchar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9110 section 5.6.2. */
    private static boolean tchar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    /** RFC 9113 section 8.2.1: no NUL, CR or LF, and no white space at either end. */
    private static boolean fieldValue(String v) {
        int n = v.length();
        if (n > 0 && (ws(v.charAt(0)) || ws(v.charAt(n - 1)))) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = v.charAt(i);
            if (c == 0 || c == '\r' || c == '\n') {
                return false;
            }
        }
        return true;
    }

    private static boolean ws(char c) {
        return c == ' ' || c == '\t';
    }

    /** @return the value as a length, or -1 if it is not one */
    private static long contentLength(String v) {
        if (v.isEmpty() || v.length() > 18) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static String printable(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length() && i < 64; i++) {
            char c = name.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }
}
