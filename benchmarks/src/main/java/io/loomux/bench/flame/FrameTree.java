package io.loomux.bench.flame;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.Collection;
import java.util.Collections;
import java.util.TreeMap;

/**
 * A node of the tree that collapsed stacks make: every stack is a path from the root, and the
 * stacks that share a prefix share the nodes of that prefix. A node's total is the samples (or
 * bytes) of every stack through it, its self what stacks that end at it carry.
 *
 * <p>Children are kept sorted by name, as flame graphs order them, so that the same stacks always
 * draw the same picture whatever order the profiler wrote them in.
 */
public final class FrameTree {

    private final String name;
    private final TreeMap<String, FrameTree> children = new TreeMap<>();
    private long total;
    private long self;

    private FrameTree(String name) {
        this.name = name;
    }

    /** @return an empty tree, whose root is called {@code all} */
    public static FrameTree empty() {
        return new FrameTree("all");
    }

    /**
     * Reads async-profiler's collapsed format: one stack a line, frames from the root outwards
     * separated by {@code ;}, then a space and the count. Blank lines are skipped.
     *
     * @param in the collapsed stacks
     * @return the tree they make
     * @throws IOException              if reading fails
     * @throws IllegalArgumentException if a line has no count, which would otherwise be lost
     *                                  silently and make the graph lie
     */
    public static FrameTree parse(Reader in) throws IOException {
        FrameTree root = empty();
        BufferedReader lines = new BufferedReader(in);
        int number = 0;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            long count;
            try {
                count = space > 0 ? Long.parseLong(line.substring(space + 1).trim()) : -1;
            } catch (NumberFormatException e) {
                count = -1;
            }
            if (count < 0) {
                throw new IllegalArgumentException("line " + number + " is not 'frame;frame;... count': " + line);
            }
            root.add(line.substring(0, space).split(";"), count);
        }
        return root;
    }

    /**
     * Adds one stack.
     *
     * @param frames the frames, root first
     * @param count  its samples or bytes
     */
    public void add(String[] frames, long count) {
        FrameTree node = this;
        node.total += count;
        for (String frame : frames) {
            node = node.children.computeIfAbsent(frame, FrameTree::new);
            node.total += count;
        }
        node.self += count;
    }

    /**
     * A copy without the frames whose total is under {@code minTotal}, and so without anything
     * above them. Totals stay as they were: a frame whose thin callees were left out is as wide
     * as before, with a gap above it where they were, so no width claims time it did not have.
     *
     * @param minTotal the smallest total kept
     * @return the copy
     */
    public FrameTree pruned(long minTotal) {
        FrameTree copy = new FrameTree(name);
        copy.total = total;
        copy.self = self;
        for (FrameTree child : children.values()) {
            if (child.total >= minTotal) {
                copy.children.put(child.name, child.pruned(minTotal));
            }
        }
        return copy;
    }

    /** @return the frame's name as the profiler wrote it */
    public String name() {
        return name;
    }

    /** @return the samples or bytes of every stack through this frame */
    public long total() {
        return total;
    }

    /** @return the samples or bytes of the stacks that end at this frame */
    public long self() {
        return self;
    }

    /** @return the frames called from this one, sorted by name */
    public Collection<FrameTree> children() {
        return Collections.unmodifiableCollection(children.values());
    }

    /** @return how many frames deep the deepest stack under this frame goes, this one counted */
    public int depth() {
        int deepest = 0;
        for (FrameTree child : children.values()) {
            deepest = Math.max(deepest, child.depth());
        }
        return deepest + 1;
    }
}
