package io.loomux.http.internal;

import com.sun.net.httpserver.Headers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A request's header fields as handlers see them: read-only, as the JDK's server gives them, and
 * built once, while the head is parsed. {@code Headers.of(map)} would copy every field twice more
 * and normalise each name three times, which a profile of a hello request put at about a tenth
 * of the server's CPU.
 *
 * <p>Names are normalised as {@link Headers} does ({@link FieldNames#normalise}) (first character upper case, the rest lower
 * case), so lookups by any case find them. Every mutator throws
 * {@link UnsupportedOperationException}, and the maps, sets and lists it hands out are
 * unmodifiable. The parser is the only writer, through {@link #append} and then {@link #seal},
 * before the headers reach any other thread.
 */
public final class RequestHeaders extends HeaderFields {

    private static final String READ_ONLY = "request headers are read-only";

    private final Map<String, List<String>> view = Collections.unmodifiableMap(fields);
    private boolean sealed;

    /** Empty, to be filled by a parser and sealed. */
    public RequestHeaders() {
        super(16);
    }

    /**
     * Adds a field while the head is parsed. The parser has checked the name (a token) and the
     * value (no control characters).
     */
    void append(String name, String value) {
        appendNormal(FieldNames.normalise(name), value);
    }

    /** As {@link #append}, with the name already in normal form. */
    public void appendNormal(String key, String value) {
        if (sealed) {
            throw new IllegalStateException("sealed");
        }
        List<String> values = fields.get(key);
        if (values == null) {
            // Most fields come once: an immutable one-element list, nothing to wrap later.
            fields.put(key, List.of(value));
        } else if (values instanceof ArrayList<String> more) {
            more.add(value);
        } else {
            ArrayList<String> more = new ArrayList<>(4);
            more.addAll(values);
            more.add(value);
            fields.put(key, more);
        }
    }

    /** Ends the parse: a field that came more than once gets an unmodifiable list. */
    public RequestHeaders seal() {
        if (!sealed) {
            sealed = true;
            for (Map.Entry<String, List<String>> e : fields.entrySet()) {
                if (e.getValue() instanceof ArrayList<String> more) {
                    e.setValue(Collections.unmodifiableList(more));
                }
            }
        }
        return this;
    }

    @Override
    public Set<String> keySet() {
        return view.keySet();
    }

    @Override
    public Collection<List<String>> values() {
        return view.values();
    }

    @Override
    public Set<Map.Entry<String, List<String>>> entrySet() {
        return view.entrySet();
    }

    @Override
    public List<String> put(String key, List<String> value) {
        throw new UnsupportedOperationException(READ_ONLY);
    }

    @Override
    public void add(String key, String value) {
        throw new UnsupportedOperationException(READ_ONLY);
    }

    @Override
    public void set(String key, String value) {
        throw new UnsupportedOperationException(READ_ONLY);
    }

    @Override
    public List<String> remove(Object key) {
        throw new UnsupportedOperationException(READ_ONLY);
    }

    @Override
    public void putAll(Map<? extends String, ? extends List<String>> t) {
        throw new UnsupportedOperationException(READ_ONLY);
    }

    @Override
    public void clear() {
        throw new UnsupportedOperationException(READ_ONLY);
    }

    @Override
    public List<String> replace(String key, List<String> value) {
        throw new UnsupportedOperationException(READ_ONLY);
    }

    @Override
    public boolean replace(String key, List<String> oldValue, List<String> newValue) {
        throw new UnsupportedOperationException(READ_ONLY);
    }

    @Override
    public void replaceAll(BiFunction<? super String, ? super List<String>, ? extends List<String>> function) {
        throw new UnsupportedOperationException(READ_ONLY);
    }

}
