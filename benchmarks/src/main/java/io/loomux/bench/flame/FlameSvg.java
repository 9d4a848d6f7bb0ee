package io.loomux.bench.flame;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Draws a {@link FrameTree} as an SVG flame graph: the root along the bottom, each frame above
 * its caller, as wide as its share of the root's total. A frame's name is written on it where
 * it fits, and every frame carries a {@code <title>} (the tooltip a browser shows on hover) with
 * its full name and percentage, so that the thinnest frame can still be read.
 *
 * <p>SVG, because it is a picture that GitHub and every browser show inline in a document; no
 * script, so it shows the same wherever it is put.
 */
public final class FlameSvg {

    /** Width of the whole picture, in pixels. */
    static final int WIDTH = 1200;
    /** Room left and right of the graph. */
    static final int MARGIN = 10;
    /** Height of one frame. */
    static final int ROW = 16;
    /** Room above the graph for the title, the details line and the legend. */
    static final int HEADER = 72;
    private static final int FONT = 11;
    /** A monospace glyph at {@link #FONT} pixels is about this wide; names are cut to fit. */
    private static final double GLYPH = FONT * 0.6;

    private final String title;
    private final String details;
    private final String unit;
    private final boolean allocation;

    /**
     * @param title      the first line above the graph
     * @param details    the second line (the run: event, connections, samples)
     * @param unit       what the counts are, for the tooltips: {@code samples} or {@code bytes}
     * @param allocation whether the stacks are an allocation profile's, whose leaves are the
     *                   allocated classes
     */
    public FlameSvg(String title, String details, String unit, boolean allocation) {
        this.title = title;
        this.details = details;
        this.unit = unit;
        this.allocation = allocation;
    }

    /**
     * @param root the tree to draw
     * @return the SVG document
     */
    public String render(FrameTree root) {
        int depth = root.depth();
        int height = HEADER + depth * ROW + MARGIN;
        StringBuilder svg = new StringBuilder(1 << 16);
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ')
                .append(height).append("\" font-family=\"monospace\" font-size=\"").append(FONT).append("\">\n")
                .append("<rect width=\"100%\" height=\"100%\" fill=\"#fbfbf8\"/>\n")
                .append("<text x=\"").append(WIDTH / 2).append("\" y=\"22\" font-size=\"16\" text-anchor=\"middle\">")
                .append(escape(title)).append("</text>\n")
                .append("<text x=\"").append(WIDTH / 2).append("\" y=\"42\" text-anchor=\"middle\" fill=\"#444\">")
                .append(escape(details)).append("</text>\n");
        Set<FrameKind> used = EnumSet.noneOf(FrameKind.class);
        StringBuilder frames = new StringBuilder(1 << 16);
        double scale = root.total() == 0 ? 0 : (WIDTH - 2.0 * MARGIN) / root.total();
        draw(frames, root, root.total(), scale, MARGIN, 0, depth, used);
        legend(svg, used);
        svg.append(frames).append("</svg>\n");
        return svg.toString();
    }

    private void draw(StringBuilder out, FrameTree node, long all, double scale, double x, int level, int depth,
                      Set<FrameKind> used) {
        double width = node.total() * scale;
        double y = HEADER + (depth - 1 - level) * (double) ROW;
        FrameKind kind = level == 0 ? FrameKind.THREAD : FrameKind.of(node.name(), allocation);
        used.add(kind);
        String name = kind.show(node.name());
        double percent = all == 0 ? 0 : 100.0 * node.total() / all;
        out.append("<g><title>").append(escape(name)).append(" (")
                .append(String.format(Locale.ROOT, "%.2f %%, %,d %s", percent, node.total(), unit));
        if (node.self() > 0) {
            out.append(String.format(Locale.ROOT, "; self %.2f %%", all == 0 ? 0 : 100.0 * node.self() / all));
        }
        out.append(")</title><rect x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y))
                .append("\" width=\"").append(fmt(width)).append("\" height=\"").append(ROW - 1)
                .append("\" rx=\"2\" fill=\"").append(kind.colour(name)).append("\"/>");
        String label = fit(name, width);
        if (!label.isEmpty()) {
            out.append("<text x=\"").append(fmt(x + 3)).append("\" y=\"").append(fmt(y + ROW - 4)).append("\">")
                    .append(escape(label)).append("</text>");
        }
        out.append("</g>\n");
        double childX = x;
        for (FrameTree child : node.children()) {
            draw(out, child, all, scale, childX, level + 1, depth, used);
            childX += child.total() * scale;
        }
    }

    /** One swatch per kind that the graph has, so the colours explain themselves. */
    private static void legend(StringBuilder svg, Set<FrameKind> used) {
        double x = MARGIN;
        for (FrameKind kind : used) {
            svg.append("<rect x=\"").append(fmt(x)).append("\" y=\"52\" width=\"12\" height=\"12\" fill=\"")
                    .append(kind.colour()).append("\"/><text x=\"").append(fmt(x + 16)).append("\" y=\"62\">")
                    .append(escape(kind.label())).append("</text>\n");
            x += 16 + kind.label().length() * GLYPH + 14;
        }
    }

    /** The name, cut with {@code ..} to what fits in the width, or nothing if too little fits. */
    static String fit(String name, double width) {
        int room = (int) ((width - 6) / GLYPH);
        if (room >= name.length()) {
            return name;
        }
        return room >= 4 ? name.substring(0, room - 2) + ".." : "";
    }

    /** Java names carry {@code <init>} and {@code <lambda>}; C++ ones templates and {@code &}. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                default -> out.append(c < 0x20 ? ' ' : c);
            }
        }
        return out.toString();
    }

    /** Two decimals are finer than a pixel and keep the file small. */
    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
