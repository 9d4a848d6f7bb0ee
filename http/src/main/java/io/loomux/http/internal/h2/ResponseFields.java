package io.loomux.http.internal.h2;

import com.sun.net.httpserver.Headers;
import io.loomux.http.internal.ResponseFraming;
import io.loomux.http.internal.Status;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A response head as HTTP/2 sends it (RFC 9113 section 8.2): names in lower case, the
 * connection-specific fields HTTP/1.1 uses dropped (HTTP/2 frames say what they said), the length
 * from the JDK's rules ({@link ResponseFraming}), and {@code date}.
 */
final class ResponseFields {

    private static final System.Logger LOG = System.getLogger("io.loomux.http");

    /**
     * The lower-case form of the names responses usually carry, as {@link Headers} spells them
     * ("Content-type"): one string each for the life of the server, its hash kept, where a
     * lower-casing would make a new one per response for the HPACK encoder to hash again.
     */
    private static final Map<String, String> COMMON_LOWER_CASE = Map.ofEntries(
            common("Content-type"), common("Content-length"), common("Content-encoding"),
            common("Content-language"), common("Content-disposition"), common("Content-range"),
            common("Cache-control"), common("Etag"), common("Last-modified"), common("Expires"),
            common("Location"), common("Set-cookie"), common("Vary"), common("Server"),
            common("Accept-ranges"), common("Allow"), common("Retry-after"), common("Link"),
            common("Www-authenticate"), common("Access-control-allow-origin"),
            common("Strict-transport-security"), common("X-content-type-options"));

    private ResponseFields() {
    }

    private static Map.Entry<String, String> common(String normalName) {
        return Map.entry(normalName, normalName.toLowerCase(Locale.ROOT));
    }

    /** @return the name in lower case, as HTTP/2 sends it */
    static String lowerCase(String name) {
        String common = COMMON_LOWER_CASE.get(name);
        return common != null ? common : name.toLowerCase(Locale.ROOT);
    }

    /**
     * Sends the head of a stream's response.
     *
     * @return how the body is framed; {@code NONE} if the stream ended with the head
     */
    static ResponseFraming send(StreamTable table, Http2Stream stream, int code, long length, boolean head,
                                Headers headers) throws IOException {
        ResponseFraming framing = ResponseFraming.decide(code, length, head);
        // A handler's own content-length stays only on a final response without a body (a HEAD's,
        // a 304's) where it tells the length of what a GET would get, as HTTP/1.1 keeps it; where a
        // body follows the length is the framing's, and 1xx and 204 must not carry one.
        boolean keepLength = framing.body() == ResponseFraming.Body.NONE && framing.contentLength() < 0
                && code >= 200 && code != 204;
        List<String> fields = new ArrayList<>(2 * headers.size() + 4);
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            List<String> values = e.getValue();
            if (values == null) {
                continue;
            }
            String name = lowerCase(e.getKey());
            switch (name) {
                case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "date" -> {
                    // Connection-specific, or set here.
                    continue;
                }
                case "content-length" -> {
                    if (!keepLength) {
                        continue;
                    }
                }
                default -> { }
            }
            for (String v : values) {
                String value = v == null ? "" : v;
                if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                    throw new IllegalArgumentException("the value of response field " + e.getKey()
                            + " is folded, which HTTP/2 cannot carry");
                }
                fields.add(name);
                fields.add(value);
            }
        }
        if (framing.contentLength() >= 0) {
            fields.add("content-length");
            fields.add(Long.toString(framing.contentLength()));
        }
        fields.add("date");
        fields.add(Status.date());
        if (code < 200) {
            // An interim status cannot end a stream (section 8.1): the head goes as one, and the
            // stream is reset, since the handler sends nothing more.
            LOG.log(System.Logger.Level.WARNING, "sendResponseHeaders: rCode = " + code
                    + " cannot be an HTTP/2 response; the stream is reset");
            table.sendHeaders(stream, code, fields, false);
            table.resetStream(stream, ErrorCode.INTERNAL_ERROR);
            return framing;
        }
        table.sendHeaders(stream, code, fields, framing.body() == ResponseFraming.Body.NONE);
        return framing;
    }
}
