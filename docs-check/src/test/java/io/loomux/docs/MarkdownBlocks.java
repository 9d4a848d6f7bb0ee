package io.loomux.docs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fenced code blocks of a Markdown file, each with the file it stands for when the docs say
 * so. A block is a file of a user's project when the line directly before its opening fence is
 * {@code <!-- file: RELATIVE/PATH key=value ... -->}; the keys say what a test does with it (for
 * example {@code run=echo:7007}). The marker is an HTML comment, so readers never see it.
 */
final class MarkdownBlocks {

    private static final Pattern FENCE = Pattern.compile("^( *)(`{3,})\\s*([\\w+-]*)\\s*$");
    private static final Pattern MARKER = Pattern.compile("^\\s*<!--\\s*file:\\s*(\\S+)((?:\\s+[\\w.-]+=\\S+)*)\\s*-->\\s*$");

    /**
     * One fenced block.
     *
     * @param doc the Markdown file
     * @param line the 1-based line of its opening fence
     * @param language the fence's info string ({@code java}, {@code xml}, or empty)
     * @param file the path its marker gives, or null for a block without one
     * @param attributes the marker's {@code key=value} pairs, in order
     * @param text the block's lines, without the fence's indentation, each ending in a newline
     */
    record Block(Path doc, int line, String language, String file, Map<String, String> attributes, String text) {

        /** @return where the block is, for messages: {@code README.md:123} */
        String where() {
            return doc.getFileName() + ":" + line;
        }
    }

    private MarkdownBlocks() {
    }

    /**
     * @return every fenced block of {@code markdown}, in order
     * @throws IllegalStateException for a fence that never closes, or a marker not followed by
     *     a fence: either would silently drop a snippet from the checks
     */
    static List<Block> read(Path markdown) throws IOException {
        List<String> lines = Files.readAllLines(markdown, StandardCharsets.UTF_8);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher marker = MARKER.matcher(lines.get(i));
            Matcher open = FENCE.matcher(lines.get(i));
            if (marker.matches() && (i + 1 >= lines.size() || !FENCE.matcher(lines.get(i + 1)).matches())) {
                throw new IllegalStateException(markdown.getFileName() + ":" + (i + 1)
                        + ": a file marker must be directly followed by a fenced block");
            }
            if (!open.matches()) {
                continue;
            }
            int indent = open.group(1).length();
            String fence = open.group(2);
            Matcher before = i > 0 ? MARKER.matcher(lines.get(i - 1)) : null;
            boolean marked = before != null && before.matches();
            StringBuilder text = new StringBuilder();
            int close = i + 1;
            for (; close < lines.size(); close++) {
                String l = lines.get(close);
                if (l.strip().startsWith(fence) && l.strip().chars().allMatch(c -> c == '`')) {
                    break;
                }
                text.append(l, Math.min(indent, leadingSpaces(l)), l.length()).append('\n');
            }
            if (close == lines.size()) {
                throw new IllegalStateException(markdown.getFileName() + ":" + (i + 1) + ": the fenced block never closes");
            }
            blocks.add(new Block(markdown, i + 1, open.group(3), marked ? before.group(1) : null,
                    marked ? attributes(before.group(2)) : Map.of(), text.toString()));
            i = close;
        }
        return blocks;
    }

    private static Map<String, String> attributes(String pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String pair : pairs.trim().split("\\s+")) {
            if (!pair.isEmpty()) {
                int eq = pair.indexOf('=');
                map.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return map;
    }

    private static int leadingSpaces(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == ' ') {
            n++;
        }
        return n;
    }
}
