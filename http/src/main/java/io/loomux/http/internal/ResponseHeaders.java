package io.loomux.http.internal;

import com.sun.net.httpserver.Headers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A response's header fields: a {@link Headers} that behaves as the JDK's does (names
 * normalised, names and values checked as they come in, value lists the handler may change),
 * without its cost. The JDK's normalises a name by copying it into a new string on every call,
 * even one already in form, and keeps each field's values in a {@code LinkedList}: five
 * allocations for the fields of a small response before a byte of it is written. Here a name in
 * form is looked up as it is, and one value is one small list.
 *
 * <p>Every field is checked again when the head is sent, whatever this class let in (see
 * {@code ExchangeImpl}): a handler can change a value list behind any {@code Headers}' back.
 */
public final class ResponseHeaders extends HeaderFields {

    ResponseHeaders() {
        super(8);
    }


    @Override
    public List<String> put(String key, List<String> value) {
        FieldNames.check(key, false);
        for (String v : value) {
            FieldNames.check(v, true);
        }
        return fields.put(FieldNames.normalise(key), value);
    }

    @Override
    public void add(String key, String value) {
        FieldNames.check(key, false);
        FieldNames.check(value, true);
        fields.computeIfAbsent(FieldNames.normalise(key), k -> new ArrayList<>(2)).add(value);
    }

    @Override
    public void set(String key, String value) {
        FieldNames.check(key, false);
        FieldNames.check(value, true);
        List<String> values = new ArrayList<>(1);
        values.add(value);
        fields.put(FieldNames.normalise(key), values);
    }

    /**
     * Sets a field of the server's own making (Date, Content-length, Connection): its name is in
     * normal form and its value was made here, so neither needs a check.
     */
    void setOwn(String normalName, String value) {
        List<String> values = new ArrayList<>(1);
        values.add(value);
        fields.put(normalName, values);
    }

    @Override
    public List<String> remove(Object key) {
        return fields.remove(FieldNames.normalise((String) key));
    }

    @Override
    public void putAll(Map<? extends String, ? extends List<String>> t) {
        t.forEach(this::put);
    }

    @Override
    public void clear() {
        fields.clear();
    }

    @Override
    public Set<String> keySet() {
        return fields.keySet();
    }

    @Override
    public Collection<List<String>> values() {
        return fields.values();
    }

    @Override
    public Set<Map.Entry<String, List<String>>> entrySet() {
        return fields.entrySet();
    }

    @Override
    public void replaceAll(BiFunction<? super String, ? super List<String>, ? extends List<String>> function) {
        fields.replaceAll((k, v) -> {
            List<String> values = Objects.requireNonNull(function.apply(k, v));
            values.forEach(value -> FieldNames.check(value, true));
            return values;
        });
    }

}
