package io.loomux.http.internal;

import com.sun.net.httpserver.Headers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
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
 * <p>Names are normalised as {@link Headers} does (first character upper case, the rest lower
 * case), so lookups by any case find them. Every mutator throws
 * {@link UnsupportedOperationException}, and the maps, sets and lists it hands out are
 * unmodifiable. The parser is the only writer, through {@link #append} and then {@link #seal},
 * before the headers reach any other thread.
 */
final class RequestHeaders extends Headers {

    private static final String READ_ONLY = "request headers are read-only";

    private final HashMap<String, List<String>> fields = new HashMap<>(16);
    private final Map<String, List<String>> view = Collections.unmodifiableMap(fields);
    private boolean sealed;

    /**
     * Adds a field while the head is parsed. The parser has checked the name (a token) and the
     * value (no control characters).
     */
    void append(String name, String value) {
        if (sealed) {
            throw new IllegalStateException("sealed");
        }
        String key = normalise(name);
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
    RequestHeaders seal() {
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

    /**
     * As {@link Headers}' own normalisation, which is private: the same string when it is in form
     * already, so that the usual names cost no allocation.
     */
    static String normalise(String name) {
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

    @Override
    public int size() {
        return fields.size();
    }

    @Override
    public boolean isEmpty() {
        return fields.isEmpty();
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof String k && fields.containsKey(normalise(k));
    }

    @Override
    public boolean containsValue(Object value) {
        return fields.containsValue(value);
    }

    @Override
    public List<String> get(Object key) {
        return fields.get(normalise((String) key));
    }

    @Override
    public String getFirst(String key) {
        List<String> values = fields.get(normalise(key));
        return values == null || values.isEmpty() ? null : values.get(0);
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

    @Override
    public boolean equals(Object o) {
        return fields.equals(o);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }

    @Override
    public String toString() {
        return "Headers { " + fields + " }";
    }
}
