package io.loomux.http.internal;

import com.sun.net.httpserver.Headers;

import java.util.List;
import java.util.Map;

/**
 * The rules for field names and values: those {@link Headers} keeps, for the server's own kinds
 * of headers ({@link RequestHeaders}, {@link ResponseHeaders}), which must behave as it does (its
 * own methods for them are private), and the stricter one a response head is sent under.
 */
public final class FieldNames {

    /**
     * The names most requests carry, in normal form: a request's field with one of these names
     * takes the constant instead of a new string of its own.
     */
    private static final String[] COMMON = {
        "Host", "Accept", "Cookie", "Origin", "Referer", "Connection", "User-agent", "Content-type",
        "Authorization", "Cache-control", "Content-length", "Accept-encoding", "Accept-language",
        "Transfer-encoding", "Upgrade-insecure-requests", "If-none-match", "If-modified-since",
        "X-forwarded-for", "Pragma", "Expect", "Upgrade", "Range", "Te",
    };

    private FieldNames() {
    }

    /**
     * @param line a field line whose name (before the colon) is a token
     * @param end  where the name ends
     * @return the normal form of the name when it is a common one (any case), else null
     */
    static String common(String line, int end) {
        for (String name : COMMON) {
            if (name.length() == end && line.regionMatches(true, 0, name, 0, end)) {
                return name;
            }
        }
        return null;
    }

    /**
     * As {@link Headers}' own normalisation, which is private: the same string when it is in form
     * already, so that the usual names cost no allocation.
     */
    public static String normalise(String name) {
        int len = name.length();
        boolean inForm = true;
        for (int i = 0; i < len; i++) {
            char c = name.charAt(i);
            if (c == '\r' || c == '\n') {
                throw new IllegalArgumentException("illegal character in key");
            }
            if (i == 0 ? c >= 'a' && c <= 'z' : c >= 'A' && c <= 'Z') {
                inForm = false;
            }
        }
        if (inForm) {
            return name;
        }
        char[] b = name.toCharArray();
        if (b[0] >= 'a' && b[0] <= 'z') {
            b[0] = (char) (b[0] - ('a' - 'A'));
        }
        for (int i = 1; i < len; i++) {
            if (b[i] >= 'A' && b[i] <= 'Z') {
                b[i] = (char) (b[i] + ('a' - 'A'));
            }
        }
        return new String(b);
    }

    /**
     * As {@link Headers}' check of what it is given: no LF, no character beyond ISO-8859-1, and
     * a CR only in a value, and only as the start of a fold (CR LF and a space or tab).
     *
     * @throws IllegalArgumentException if the text breaks a rule
     * @throws NullPointerException     if it is null
     */
    static void check(String text, boolean value) {
        int len = text.length();
        for (int i = 0; i < len; i++) {
            char c = text.charAt(i);
            if (c == '\r') {
                if (!value || i >= len - 2) {
                    throw new IllegalArgumentException("Illegal CR found in header");
                }
                if (text.charAt(i + 1) != '\n') {
                    throw new IllegalArgumentException("Illegal char found after CR in header");
                }
                char next = text.charAt(i + 2);
                if (next != ' ' && next != '\t') {
                    throw new IllegalArgumentException("No whitespace found after CRLF in header");
                }
                i += 2;
            } else if (c == '\n') {
                throw new IllegalArgumentException("Illegal LF found in header");
            } else if (c > 0xff) {
                throw new IllegalArgumentException("Illegal character found in header");
            }
        }
    }

    /**
     * Checks every response field again before anything is sent, as the JDK's server does, and
     * more strictly than {@link #check}: no CR or LF at all, so no fold either (RFC 9112 section
     * 5.2 forbids a sender to fold). {@link Headers} checks what {@code add}, {@code set} and
     * {@code put} are given, but a handler can change a value list, or an entry's value, behind
     * its back. A CR or LF would split the response (a field, or a whole response, of the
     * handler's making that a client or a proxy reads as the server's), and a character beyond
     * ISO-8859-1 cannot be sent.
     *
     * @throws IllegalArgumentException naming the field; nothing has been sent
     */
    static void checkToSend(Headers headers) {
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            String name = e.getKey();
            checkText(name, name);
            List<String> values = e.getValue();
            if (values != null) {
                for (String v : values) {
                    if (v != null) {
                        checkText(v, name);
                    }
                }
            }
        }
    }

    private static void checkText(String text, String field) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n' || c > 0xff) {
                throw new IllegalArgumentException("response header field '" + printable(field)
                        + "' holds a CR, an LF or a character beyond ISO-8859-1");
            }
        }
    }

    /** @return the name with CR and LF shown escaped, for a message that goes to a log */
    private static String printable(String name) {
        return name.replace("\r", "\\r").replace("\n", "\\n");
    }
}
