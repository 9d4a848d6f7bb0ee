package io.loomux.http.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Status lines and the Date header: the fixed text every response head is built from. */
public final class Status {

    private static final String[] REASONS = new String[600];
    /** The status lines of the codes with a reason phrase, made once. */
    private static final String[] LINES = new String[600];

    static {
        String[][] table = {
            {"100", "Continue"}, {"101", "Switching Protocols"}, {"200", "OK"}, {"201", "Created"},
            {"202", "Accepted"}, {"203", "Non-Authoritative Information"}, {"204", "No Content"},
            {"205", "Reset Content"}, {"206", "Partial Content"}, {"300", "Multiple Choices"},
            {"301", "Moved Permanently"}, {"302", "Found"}, {"303", "See Other"}, {"304", "Not Modified"},
            {"305", "Use Proxy"}, {"307", "Temporary Redirect"}, {"308", "Permanent Redirect"},
            {"400", "Bad Request"}, {"401", "Unauthorized"}, {"402", "Payment Required"},
            {"403", "Forbidden"}, {"404", "Not Found"}, {"405", "Method Not Allowed"},
            {"406", "Not Acceptable"}, {"407", "Proxy Authentication Required"}, {"408", "Request Timeout"},
            {"409", "Conflict"}, {"410", "Gone"}, {"411", "Length Required"}, {"412", "Precondition Failed"},
            {"413", "Content Too Large"}, {"414", "URI Too Long"}, {"415", "Unsupported Media Type"},
            {"416", "Range Not Satisfiable"}, {"417", "Expectation Failed"}, {"421", "Misdirected Request"},
            {"422", "Unprocessable Content"}, {"426", "Upgrade Required"}, {"428", "Precondition Required"},
            {"429", "Too Many Requests"}, {"431", "Request Header Fields Too Large"},
            {"500", "Internal Server Error"}, {"501", "Not Implemented"}, {"502", "Bad Gateway"},
            {"503", "Service Unavailable"}, {"504", "Gateway Timeout"}, {"505", "HTTP Version Not Supported"},
        };
        for (String[] row : table) {
            int code = Integer.parseInt(row[0]);
            REASONS[code] = row[1];
            LINES[code] = "HTTP/1.1 " + code + " " + row[1] + "\r\n";
        }
    }

    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    /** The Date value of the current second; formatting one per response costs more than the rest of the head. */
    private record CachedDate(long second, String text) {
    }

    private static volatile CachedDate date = new CachedDate(Long.MIN_VALUE, "");

    private Status() {
    }

    /** @return "HTTP/1.1 200 OK\r\n" for 200; an unknown code gets no reason phrase */
    static String line(int code) {
        String line = code >= 0 && code < LINES.length ? LINES[code] : null;
        return line != null ? line : "HTTP/1.1 " + code + " \r\n";
    }

    /** @return the reason phrase, or "" */
    static String reason(int code) {
        String reason = code >= 0 && code < REASONS.length ? REASONS[code] : null;
        return reason == null ? "" : reason;
    }

    /**
     * The short HTML page the server answers with on its own (a refused request, no context, a
     * failed handler), as the JDK's server does: the status line as a heading, then the reason.
     *
     * @param code    the status
     * @param message why, as text (escaped here); may be empty
     * @return the page's bytes
     */
    public static byte[] page(int code, String message) {
        String text = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        return ("<h1>" + code + " " + reason(code) + "</h1>" + text).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** @return the IMF-fixdate of now (RFC 9110 section 5.6.7), made at most once a second */
    public static String date() {
        long now = System.currentTimeMillis() / 1000;
        CachedDate d = date;
        if (d.second() != now) {
            // A race makes two threads format the same second; both results are right.
            d = new CachedDate(now, HTTP_DATE.format(Instant.ofEpochSecond(now)));
            date = d;
        }
        return d.text();
    }
}
