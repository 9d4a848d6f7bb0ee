package io.loomux.bench.flame;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Turns async-profiler's collapsed stacks into an SVG flame graph, and prints the frames that
 * carry the most of the profile, for the text that goes with the picture.
 *
 * <p>Usage: {@code FlameGraph IN.collapsed OUT.svg [--title T] [--details D] [--unit U]
 * [--alloc] [--min-percent P] [--top N]}. The graph's second line is {@code D} followed by the
 * profile's total in {@code U} (default {@code samples}); {@code --alloc} marks an allocation
 * profile; frames under {@code P} % of the total (default 0.1) are left out, which keeps the file
 * small and loses nothing a reader could see at 1,200 pixels. Prints {@code total=N} and the top
 * {@code N} (default 10) names by self and by total. Exits 2 on bad arguments, 1 if the input
 * cannot be read or is not collapsed stacks.
 */
public final class FlameGraph {

    private FlameGraph() {
    }

    /**
     * @param args IN OUT and options, as above
     * @throws IOException if the output cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            usage("needs IN and OUT");
        }
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        String title = "Flame graph";
        String details = "";
        String unit = "samples";
        boolean alloc = false;
        double minPercent = 0.1;
        int top = 10;
        for (int i = 2; i < args.length; i++) {
            switch (args[i]) {
                case "--title" -> title = value(args, ++i);
                case "--details" -> details = value(args, ++i);
                case "--unit" -> unit = value(args, ++i);
                case "--alloc" -> alloc = true;
                case "--min-percent" -> minPercent = Double.parseDouble(value(args, ++i));
                case "--top" -> top = Integer.parseInt(value(args, ++i));
                default -> usage("unknown option " + args[i]);
            }
        }
        FrameTree tree;
        try (Reader reader = Files.newBufferedReader(in, StandardCharsets.UTF_8)) {
            tree = FrameTree.parse(reader);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("flamegraph: " + in + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        long minTotal = (long) Math.ceil(tree.total() * minPercent / 100);
        String line = (details.isEmpty() ? "" : details + ", ")
                + String.format(Locale.ROOT, "%,d %s", tree.total(), unit)
                + (minPercent > 0 ? String.format(Locale.ROOT, " (frames under %s %% left out)", minPercent) : "");
        String svg = new FlameSvg(title, line, unit, alloc).render(tree.pruned(Math.max(1, minTotal)));
        Files.writeString(out, svg, StandardCharsets.UTF_8);

        System.out.println("total=" + tree.total());
        TopFrames frames = new TopFrames(tree, alloc);
        StringBuilder kinds = new StringBuilder("self by kind:");
        frames.selfByKind().forEach((kind, count) -> kinds.append(
                String.format(Locale.ROOT, " %s %.1f %%;", kind.label(), 100.0 * count / Math.max(1, tree.total()))));
        System.out.println(kinds.substring(0, kinds.length() - 1));
        print("self", frames.bySelf(top), tree.total());
        print("total", frames.byTotal(top), tree.total());
    }

    private static void print(String what, List<TopFrames.Row> rows, long all) {
        System.out.println("top by " + what + ":");
        for (TopFrames.Row row : rows) {
            System.out.printf(Locale.ROOT, "  %6.2f %%  %-16s %s%n", 100.0 * row.count() / all, row.kind().label(),
                    row.name());
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            usage(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static void usage(String why) {
        System.err.println("flamegraph: " + why + "\nusage: FlameGraph IN.collapsed OUT.svg [--title T] [--details D]"
                + " [--unit U] [--alloc] [--min-percent P] [--top N]");
        System.exit(2);
    }
}
