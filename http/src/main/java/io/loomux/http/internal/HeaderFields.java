package io.loomux.http.internal;

import com.sun.net.httpserver.Headers;

import java.util.HashMap;
import java.util.List;
import java.util.Objects;

/**
 * What the server's two kinds of {@link Headers} share: fields kept in a map of their own under
 * names normalised as {@link Headers} does ({@link FieldNames}), and the lookups, which behave as
 * its own. {@link Headers}' own map is left empty: its methods normalise a name by copying it on
 * every call, and each subclass overrides every method that would reach that map.
 */
public abstract class HeaderFields extends Headers {

    /** The fields, under normalised names. */
    final HashMap<String, List<String>> fields;

    /** @param capacity the map's initial capacity */
    HeaderFields(int capacity) {
        this.fields = new HashMap<>(capacity);
    }

    /**
     * The server's own lookup, by a name it knows to be in normal form ("Content-length"): no
     * normalisation, which the parser's half-dozen lookups per request would otherwise pay.
     *
     * @return the values, or null
     */
    final List<String> normal(String normalName) {
        return fields.get(normalName);
    }

    @Override
    public final int size() {
        return fields.size();
    }

    @Override
    public final boolean isEmpty() {
        return fields.isEmpty();
    }

    @Override
    public final boolean containsKey(Object key) {
        Objects.requireNonNull(key);
        return key instanceof String k && fields.containsKey(FieldNames.normalise(k));
    }

    @Override
    public final boolean containsValue(Object value) {
        Objects.requireNonNull(value);
        return fields.containsValue(value);
    }

    @Override
    public final List<String> get(Object key) {
        return fields.get(FieldNames.normalise((String) key));
    }

    @Override
    public final String getFirst(String key) {
        List<String> values = fields.get(FieldNames.normalise(key));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public final boolean equals(Object o) {
        return fields.equals(o);
    }

    @Override
    public final int hashCode() {
        return fields.hashCode();
    }

    @Override
    public final String toString() {
        return "Headers { " + fields + " }";
    }
}
