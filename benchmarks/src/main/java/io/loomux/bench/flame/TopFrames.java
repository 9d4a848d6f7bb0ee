package io.loomux.bench.flame;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The frames that carry the most of a profile, by name across every stack: by self (where the
 * time was spent or the bytes allocated) and by total (what the work was done for). The table a
 * text beside a flame graph quotes.
 *
 * <p>A name's total counts each stack once, however often the name recurs in it, so that no
 * total exceeds 100 %. Thread names are left out: they are where, not what.
 */
public final class TopFrames {

    /**
     * One row.
     *
     * @param name  the frame's name, without annotation
     * @param kind  what it is
     * @param count its samples or bytes
     */
    public record Row(String name, FrameKind kind, long count) {
    }

    private final Map<String, Long> self = new HashMap<>();
    private final Map<String, Long> total = new HashMap<>();
    private final Map<String, FrameKind> kinds = new HashMap<>();
    private final Map<FrameKind, Long> selfByKind = new EnumMap<>(FrameKind.class);

    /**
     * @param root       the profile
     * @param allocation whether it is an allocation profile (its leaves are classes)
     */
    public TopFrames(FrameTree root, boolean allocation) {
        for (FrameTree child : root.children()) {
            walk(child, allocation, new HashSet<>());
        }
    }

    private void walk(FrameTree node, boolean allocation, Set<String> onPath) {
        FrameKind kind = FrameKind.of(node.name(), allocation);
        String name = kind.show(node.name());
        boolean counted = kind != FrameKind.THREAD;
        if (counted) {
            kinds.putIfAbsent(name, kind);
            if (node.self() > 0) {
                selfByKind.merge(kind, node.self(), Long::sum);
            }
            self.merge(name, node.self(), Long::sum);
            if (!onPath.contains(name)) {
                total.merge(name, node.total(), Long::sum);
            }
        }
        boolean added = counted && onPath.add(name);
        for (FrameTree child : node.children()) {
            walk(child, allocation, onPath);
        }
        if (added) {
            onPath.remove(name);
        }
    }

    /**
     * @param n how many rows
     * @return the {@code n} names with the most self, most first
     */
    public List<Row> bySelf(int n) {
        return top(self, n);
    }

    /**
     * @param n how many rows
     * @return the {@code n} names with the most total, most first
     */
    public List<Row> byTotal(int n) {
        return top(total, n);
    }

    /**
     * Whose code the profile is in: self summed by kind.
     *
     * @return each kind with any self, and its self
     */
    public Map<FrameKind, Long> selfByKind() {
        return Collections.unmodifiableMap(selfByKind);
    }

    private List<Row> top(Map<String, Long> counts, int n) {
        List<Row> rows = new ArrayList<>();
        counts.forEach((name, count) -> {
            if (count > 0) {
                rows.add(new Row(name, kinds.get(name), count));
            }
        });
        rows.sort(Comparator.comparingLong(Row::count).reversed().thenComparing(Row::name));
        return rows.subList(0, Math.min(n, rows.size()));
    }
}
