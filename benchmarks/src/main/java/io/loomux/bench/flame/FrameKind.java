package io.loomux.bench.flame;

/**
 * What a frame of a stack is, told from its name as async-profiler writes it in collapsed stacks
 * (with its {@code ann} option: a suffix {@code _[k]} marks kernel code, {@code _[j]},
 * {@code _[i]}, {@code _[0]} and {@code _[1]} Java code), and the colour a flame graph gives it.
 *
 * <p>The colours tell the reader at a glance whose code the time is in: the project's own
 * (green), the JDK's (orange), Netty's (blue), the kernel's (brown), the JVM's and the C
 * library's (red), with threads at the bottom in grey.
 */
public enum FrameKind {
    /** A thread's name, the root of its stacks (async-profiler's {@code threads} option). */
    THREAD("thread", 0, 0, 78),
    /** The kernel: system calls, the network stack, the scheduler. */
    KERNEL("kernel", 30, 45, 45),
    /** Native code that is not Java: the JVM itself, the C library, JNI libraries. */
    NATIVE("native", 0, 65, 60),
    /** The JDK's Java code ({@code java.}, {@code javax.}, {@code jdk.}, {@code sun.}, {@code com.sun.}). */
    JDK("JDK", 32, 85, 58),
    /** loomux's own code ({@code io.loomux}). */
    LOOMUX("loomux", 115, 55, 48),
    /** Netty ({@code io.netty}). */
    NETTY("Netty", 210, 65, 60),
    /** Any other Java code (another library, a server under test). */
    JAVA("other Java", 55, 70, 55),
    /** The class of an allocated object, the leaf of an allocation profile's stacks. */
    ALLOCATED("allocated class", 185, 55, 62);

    private final String label;
    private final int hue;
    private final int saturation;
    private final int lightness;

    FrameKind(String label, int hue, int saturation, int lightness) {
        this.label = label;
        this.hue = hue;
        this.saturation = saturation;
        this.lightness = lightness;
    }

    /** @return the name a legend shows for this kind */
    public String label() {
        return label;
    }

    /**
     * The kind of a frame from its raw name in a collapsed stack.
     *
     * @param raw        the frame as written, annotation suffix included
     * @param allocation whether the frame is from an allocation profile, whose stacks end in the
     *                   allocated class: dotted ({@code java.lang.String}, where methods are
     *                   {@code java/lang/String.<init>}) and suffixed {@code _[i]} or {@code _[k]}
     *                   (allocated in a new TLAB, or outside one)
     * @return the kind
     */
    public static FrameKind of(String raw, boolean allocation) {
        if (allocation && (raw.endsWith("_[i]") || raw.endsWith("_[k]")) && raw.indexOf('/') < 0) {
            return ALLOCATED;
        }
        if (raw.startsWith("[") && raw.endsWith("]")) {
            // [name tid=N] is a thread; [unknown], [vdso] and the like are code without symbols.
            return raw.contains(" tid=") ? THREAD : NATIVE;
        }
        if (raw.endsWith("_[k]")) {
            return KERNEL;
        }
        String name = displayName(raw).replace('/', '.');
        boolean java = raw.endsWith("_[j]") || raw.endsWith("_[i]") || raw.endsWith("_[0]") || raw.endsWith("_[1]")
                || looksLikeJava(name);
        if (!java) {
            return NATIVE;
        }
        if (name.startsWith("io.loomux.")) {
            return LOOMUX;
        }
        if (name.startsWith("io.netty.")) {
            return NETTY;
        }
        if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
                || name.startsWith("sun.") || name.startsWith("com.sun.")) {
            return JDK;
        }
        return JAVA;
    }

    /** Without annotations a Java frame is {@code package/Class.method}; C++ has {@code ::}. */
    private static boolean looksLikeJava(String name) {
        return !name.contains("::") && name.indexOf('.') > 0 && !name.contains(" ") && !name.startsWith("_");
    }

    /**
     * A frame's name as a reader knows it: without async-profiler's annotation suffix, and for
     * Java code with dots ({@code java.lang.Thread.run}, written {@code java/lang/Thread.run}).
     *
     * @param raw the frame as written
     * @return the name to show
     */
    public String show(String raw) {
        String name = displayName(raw);
        boolean java = this == JDK || this == LOOMUX || this == NETTY || this == JAVA;
        return java ? name.replace('/', '.') : name;
    }

    /**
     * A frame's name without async-profiler's annotation suffix.
     *
     * @param raw the frame as written
     * @return the name without the suffix
     */
    public static String displayName(String raw) {
        int n = raw.length();
        if (n > 4 && raw.charAt(n - 4) == '_' && raw.charAt(n - 3) == '[' && raw.charAt(n - 1) == ']') {
            return raw.substring(0, n - 4);
        }
        return raw;
    }

    /**
     * The fill colour for a frame of this kind, varied a little by name so that neighbours of
     * one kind stay apart, and the same for the same name in every graph.
     *
     * @param name the frame's name
     * @return a CSS colour
     */
    public String colour(String name) {
        int h = name.hashCode();
        int dl = Math.floorMod(h, 13) - 6;
        int dh = Math.floorMod(h >> 8, 11) - 5;
        return "hsl(" + Math.floorMod(hue + dh, 360) + "," + saturation + "%," + (lightness + dl) + "%)";
    }

    /** @return this kind's colour, unvaried, for the legend */
    public String colour() {
        return "hsl(" + hue + "," + saturation + "%," + lightness + "%)";
    }
}
