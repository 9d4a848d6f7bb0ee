package io.loomux.http.internal.hpack;

import java.util.HashMap;
import java.util.Map;

/**
 * The static table of RFC 7541 Appendix A: 61 fixed entries, indices 1 to 61, that both sides
 * know without sending them.
 *
 * <p>The decoder returns the names here as they are, so a field named from this table costs no
 * string of its own.
 */
public final class StaticTable {

    /** The number of entries; dynamic table indices start after it. */
    public static final int LENGTH = 61;

    /** Names and values by index; index 0 is no entry. */
    private static final String[] NAMES = new String[LENGTH + 1];
    private static final String[] VALUES = new String[LENGTH + 1];

    /** The first index of each name; entries with the same name are neighbours in the table. */
    private static final Map<String, Integer> FIRST_INDEX = new HashMap<>(128);

    static {
        String[] entries = {
            ":authority", "",
            ":method", "GET",
            ":method", "POST",
            ":path", "/",
            ":path", "/index.html",
            ":scheme", "http",
            ":scheme", "https",
            ":status", "200",
            ":status", "204",
            ":status", "206",
            ":status", "304",
            ":status", "400",
            ":status", "404",
            ":status", "500",
            "accept-charset", "",
            "accept-encoding", "gzip, deflate",
            "accept-language", "",
            "accept-ranges", "",
            "accept", "",
            "access-control-allow-origin", "",
            "age", "",
            "allow", "",
            "authorization", "",
            "cache-control", "",
            "content-disposition", "",
            "content-encoding", "",
            "content-language", "",
            "content-length", "",
            "content-location", "",
            "content-range", "",
            "content-type", "",
            "cookie", "",
            "date", "",
            "etag", "",
            "expect", "",
            "expires", "",
            "from", "",
            "host", "",
            "if-match", "",
            "if-modified-since", "",
            "if-none-match", "",
            "if-range", "",
            "if-unmodified-since", "",
            "last-modified", "",
            "link", "",
            "location", "",
            "max-forwards", "",
            "proxy-authenticate", "",
            "proxy-authorization", "",
            "range", "",
            "referer", "",
            "refresh", "",
            "retry-after", "",
            "server", "",
            "set-cookie", "",
            "strict-transport-security", "",
            "transfer-encoding", "",
            "user-agent", "",
            "vary", "",
            "via", "",
            "www-authenticate", "",
        };
        for (int i = 1; i <= LENGTH; i++) {
            NAMES[i] = entries[2 * i - 2];
            VALUES[i] = entries[2 * i - 1];
            FIRST_INDEX.putIfAbsent(NAMES[i], i);
        }
    }

    private StaticTable() {
    }

    /**
     * @param index 1 to {@link #LENGTH}
     * @return the entry's name, always the same instance for an index
     */
    public static String name(int index) {
        return NAMES[index];
    }

    /**
     * @param index 1 to {@link #LENGTH}
     * @return the entry's value, empty for most entries
     */
    public static String value(int index) {
        return VALUES[index];
    }

    /**
     * @param name a field name
     * @return the lowest index of an entry with that name, or 0 when there is none
     */
    public static int indexOf(String name) {
        Integer index = FIRST_INDEX.get(name);
        return index == null ? 0 : index;
    }

    /**
     * @param name  a field name
     * @param value its value
     * @return the index of the entry with that name and value, or 0 when there is none
     */
    public static int indexOf(String name, String value) {
        int first = indexOf(name);
        if (first == 0) {
            return 0;
        }
        for (int i = first; i <= LENGTH && NAMES[i].equals(name); i++) {
            if (VALUES[i].equals(value)) {
                return i;
            }
        }
        return 0;
    }
}
