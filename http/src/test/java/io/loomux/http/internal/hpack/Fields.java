package io.loomux.http.internal.hpack;

import java.util.ArrayList;
import java.util.List;

/** A sink that keeps what it receives, each field as "name: value", and the octets they hold. */
final class Fields implements FieldSink {

    final List<String> lines = new ArrayList<>();
    final List<String> names = new ArrayList<>();
    final List<String> values = new ArrayList<>();
    /** Name octets + value octets + 32 over the fields received. */
    long listSize;

    @Override
    public void field(String name, String value) {
        lines.add(name + ": " + value);
        names.add(name);
        values.add(value);
        listSize += name.length() + value.length() + 32;
    }

    /** Decodes a whole block into a new sink, failing if the decoder reports a passed limit. */
    static List<String> decode(HpackDecoder decoder, String dump) throws HpackException {
        Fields fields = new Fields();
        if (!decoder.decode(Hex.block(dump), fields)) {
            throw new AssertionError("over the limit: " + fields.lines);
        }
        return fields.lines;
    }
}
