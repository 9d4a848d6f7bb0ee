package io.loomux.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A Maven project of a user's own, written from the marked blocks of one document and nothing else. */
final class UserProject {

    private final Path dir;
    private final List<MarkdownBlocks.Block> files;

    private UserProject(Path dir, List<MarkdownBlocks.Block> files) {
        this.dir = dir;
        this.files = files;
    }

    /**
     * Writes every block of {@code doc} that carries a file marker into a new directory under
     * {@code target/user-projects}.
     *
     * @throws AssertionError when two blocks claim the same file, or one a path outside the
     *     project
     */
    static UserProject write(Path doc, String name) throws IOException {
        Path dir = Path.of("target", "user-projects", name).toAbsolutePath();
        deleteTree(dir);
        List<MarkdownBlocks.Block> files = new ArrayList<>();
        for (MarkdownBlocks.Block b : MarkdownBlocks.read(doc)) {
            if (b.file() == null) {
                continue; // shown to the reader only (EveryJavaBlockIsCheckedTest allows no Java here)
            }
            Path file = dir.resolve(b.file()).normalize();
            if (!file.startsWith(dir) || Files.exists(file)) {
                throw new AssertionError(b.where() + ": " + b.file() + " is outside the project or written twice");
            }
            Files.createDirectories(file.getParent());
            Files.writeString(file, b.text());
            files.add(b);
        }
        return new UserProject(dir, List.copyOf(files));
    }

    /** @return the project's directory */
    Path dir() {
        return dir;
    }

    /** @return the blocks written, in the document's order */
    List<MarkdownBlocks.Block> files() {
        return files;
    }

    /** @return the class a {@code src/main/java/...java} file declares, by its path */
    static String className(MarkdownBlocks.Block javaFile) {
        String path = javaFile.file();
        String prefix = "src/main/java/";
        if (!path.startsWith(prefix) || !path.endsWith(".java")) {
            throw new AssertionError(javaFile.where() + ": a runnable file belongs under " + prefix + ": " + path);
        }
        return path.substring(prefix.length(), path.length() - ".java".length()).replace('/', '.');
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
