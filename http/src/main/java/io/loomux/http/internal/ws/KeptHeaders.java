package io.loomux.http.internal.ws;

import com.sun.net.httpserver.Headers;

import java.util.List;
import java.util.Map;

/**
 * The opening request's header fields as an open WebSocket keeps them: one string of
 * {@code name LF value LF} pairs, made into {@link Headers} again only when asked for. A parsed
 * {@code Headers} (a map, its nodes, a list and two strings per field) costs over a kilobyte for
 * a browser's handshake, which a WebSocket idle in turns would otherwise hold for its whole life.
 *
 * <p>{@code Headers} refuses CR and LF in names and values, so LF can separate them; that is
 * checked here all the same, since a field that held one would come back cut in two.
 */
final class KeptHeaders {

    private final String packed;

    private KeptHeaders(String packed) {
        this.packed = packed;
    }

    /** @param given the request's header fields */
    static KeptHeaders of(Headers given) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, List<String>> e : given.entrySet()) {
            String name = e.getKey();
            for (String value : e.getValue()) {
                if (name.indexOf('\n') >= 0 || value.indexOf('\n') >= 0) {
                    throw new IllegalStateException("a header field holds a line feed: " + name);
                }
                b.append(name).append('\n').append(value).append('\n');
            }
        }
        return new KeptHeaders(b.toString());
    }

    /** @return a new copy of the fields: changing it changes nothing kept here */
    Headers headers() {
        Headers h = new Headers();
        int at = 0;
        // Bounded by the string: each pass consumes one name and one value.
        while (at < packed.length()) {
            int nameEnd = packed.indexOf('\n', at);
            int valueEnd = packed.indexOf('\n', nameEnd + 1);
            h.add(packed.substring(at, nameEnd), packed.substring(nameEnd + 1, valueEnd));
            at = valueEnd + 1;
        }
        return h;
    }
}
