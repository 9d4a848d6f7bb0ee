package io.loomux.http.internal.h2;

import com.sun.net.httpserver.Headers;
import io.loomux.http.internal.ResponseFraming;
import io.loomux.http.internal.Status;

import java.io.IOException;
import java.util.AbstractMap;
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

    private ResponseFields() {
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
        List<Map.Entry<String, String>> fields = new ArrayList<>(headers.size() + 2);
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            List<String> values = e.getValue();
            if (values == null) {
                continue;
            }
            String name = e.getKey().toLowerCase(Locale.ROOT);
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
                fields.add(new AbstractMap.SimpleImmutableEntry<>(name, value));
            }
        }
        if (framing.contentLength() >= 0) {
            fields.add(new AbstractMap.SimpleImmutableEntry<>("content-length", Long.toString(framing.contentLength())));
        }
        fields.add(new AbstractMap.SimpleImmutableEntry<>("date", Status.date()));
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
