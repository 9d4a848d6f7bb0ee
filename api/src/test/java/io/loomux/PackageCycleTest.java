package io.loomux;

import org.testng.annotations.Test;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.testng.Assert.assertTrue;

/**
 * The public API ({@code io.loomux}) and its implementation ({@code io.loomux.internal}) must not
 * depend on each other class by class: no class of the API may reach a class of the
 * implementation that reaches it back. Implementation classes use the API's types (they
 * implement them); the API reaches the implementation only through classes nothing there refers
 * back to.
 *
 * <p>Read from the compiled classes of this module, so that every dependency counts, also one
 * the source never names (an inferred type, a method's descriptor). javac records the owner of
 * an inlined constant in the constant pool too, so reading a {@code static final} constant of
 * another class is a dependency here as it is in the source. A nested class counts as part of
 * its top-level class (one file, one concept).
 */
public class PackageCycleTest {

    private static final String API = "io/loomux/";
    private static final String IMPL = "io/loomux/internal/";

    /** A class name in a descriptor or signature: {@code Lio/loomux/...;} or {@code ...<}. */
    private static final Pattern DESCRIPTOR_NAME = Pattern.compile("L(io/loomux/[\\w/$]+)[;<]");

    @Test
    public void noClassOfTheApiAndOfItsImplementationReachEachOther() throws IOException, URISyntaxException {
        Map<String, Set<String>> graph = dependencies(classesRoot());
        assertTrue(graph.getOrDefault("io/loomux/Loomux", Set.of()).contains("io/loomux/internal/Engine"),
                "the scan must see Loomux use Engine, else it reads nothing: " + graph.get("io/loomux/Loomux"));

        List<String> cycles = new ArrayList<>();
        for (String api : graph.keySet()) {
            if (!inPackage(api, API)) {
                continue;
            }
            Set<String> fromApi = reachable(graph, api);
            for (String impl : fromApi) {
                if (inPackage(impl, IMPL) && reachable(graph, impl).contains(api)) {
                    cycles.add(api + " <-> " + impl);
                }
            }
        }
        assertTrue(cycles.isEmpty(), "class-level cycles between io.loomux and io.loomux.internal: " + cycles);
    }

    private static Path classesRoot() throws URISyntaxException {
        // On the class path (as surefire runs it here) this is the module's compiled classes.
        Path root = Path.of(Loomux.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(root.resolve(IMPL)), "no compiled io.loomux.internal under " + root);
        return root;
    }

    private static boolean inPackage(String className, String pkg) {
        return className.startsWith(pkg) && className.indexOf('/', pkg.length()) < 0;
    }

    private static String topLevel(String className) {
        int dollar = className.indexOf('$');
        return dollar < 0 ? className : className.substring(0, dollar);
    }

    private static Set<String> reachable(Map<String, Set<String>> graph, String from) {
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(graph.getOrDefault(from, Set.of()));
        while (!todo.isEmpty()) {
            String c = todo.pop();
            if (seen.add(c)) {
                todo.addAll(graph.getOrDefault(c, Set.of()));
            }
        }
        return seen;
    }

    /** @return for every top-level class under {@code root}, the other io.loomux classes it uses */
    private static Map<String, Set<String>> dependencies(Path root) throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        List<Path> classFiles;
        try (Stream<Path> files = Files.walk(root)) {
            classFiles = files.filter(p -> p.toString().endsWith(".class")).toList();
        }
        for (Path file : classFiles) {
            String name = root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
            String self = topLevel(name.substring(0, name.length() - ".class".length()));
            Set<String> uses = graph.computeIfAbsent(self, k -> new TreeSet<>());
            for (String used : referencedClasses(Files.readAllBytes(file))) {
                String target = topLevel(used);
                if (target.startsWith(API) && !target.equals(self)) {
                    uses.add(target);
                }
            }
        }
        return graph;
    }

    /**
     * Reads a class file's constant pool (JVMS 4.4): every class entry, and every class named in
     * a descriptor or signature.
     */
    private static Set<String> referencedClasses(byte[] classFile) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort(); // minor
        in.readUnsignedShort(); // major
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        List<Integer> classNameIndexes = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7 -> classNameIndexes.add(in.readUnsignedShort());
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 15 -> in.skipNBytes(3);
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
                case 5, 6 -> {
                    in.readLong();
                    i++; // eight-byte constants take two entries
                }
                default -> throw new IOException("unknown constant pool tag " + tag + " at " + i);
            }
        }
        Set<String> names = new HashSet<>();
        for (int index : classNameIndexes) {
            String n = utf8[index];
            Matcher arrayOf = DESCRIPTOR_NAME.matcher(n);
            if (n.startsWith("[")) {
                while (arrayOf.find()) {
                    names.add(arrayOf.group(1));
                }
            } else {
                names.add(n);
            }
        }
        for (String s : utf8) {
            if (s != null) {
                Matcher m = DESCRIPTOR_NAME.matcher(s);
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }
}
