package io.loomux.bench.soak;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What the process holds, measured between rounds when no client is connected: open file
 * descriptors, platform threads, and the heap in use after a full collection.
 *
 * <p>Descriptors are counted in {@code /proc/self/fd} (Linux; elsewhere the check is skipped
 * and says so). Threads are the platform threads alive, without the virtual-thread scheduler's
 * carriers: the JDK adds carriers to stand in for pinned threads and retires them after 30 s
 * idle, so their number follows the recent load, not what the servers hold.
 */
final class Leaks {

    private static final Path FDS = Path.of("/proc/self/fd");
    private static final String CARRIER = "jdk.internal.misc.CarrierThread";

    private Leaks() {
    }

    /** @return whether descriptors can be counted here */
    static boolean canCountFds() {
        return Files.isDirectory(FDS);
    }

    /** @return the process's open descriptors (the listing's own included, the same each time), or -1 */
    static int openFds() {
        String[] names = FDS.toFile().list();
        return names == null ? -1 : names.length;
    }

    /**
     * @return what each open descriptor is, counted by kind ({@code socket}, {@code anon_inode:[eventpoll]},
     *     a file's path), to say what an excess is
     */
    static Map<String, Integer> fdKinds() {
        Map<String, Integer> kinds = new TreeMap<>();
        try (Stream<Path> fds = Files.list(FDS)) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                String what;
                try {
                    what = Files.readSymbolicLink(fd).toString().replaceAll(":\\[\\d+]$", "");
                } catch (IOException e) {
                    continue; // closed while listed: the listing's own descriptor
                }
                kinds.merge(what, 1, Integer::sum);
            }
        } catch (IOException e) {
            kinds.put("(unreadable: " + e.getMessage() + ")", 1);
        }
        return kinds;
    }

    /** @return the kinds that are more numerous now than in {@code before}, with the difference */
    static Map<String, Integer> moreThan(Map<String, Integer> before, Map<String, Integer> now) {
        Map<String, Integer> more = new TreeMap<>();
        now.forEach((k, n) -> {
            int d = n - before.getOrDefault(k, 0);
            if (d > 0) {
                more.put(k, d);
            }
        });
        return more;
    }

    /** @return the platform threads alive, scheduler carriers excepted */
    static int platformThreads() {
        return platformThreadNames().size();
    }

    /** @return their names, to say which thread an excess is */
    static List<String> platformThreadNames() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!t.isVirtual() && !t.getClass().getName().equals(CARRIER)) {
                names.add(t.getName());
            }
        }
        return names;
    }

    /**
     * @return heap bytes in use after full collections: two, so that what the first freed only
     *     for finalisation or cleaning is gone too
     */
    static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
