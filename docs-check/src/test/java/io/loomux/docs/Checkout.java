package io.loomux.docs;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where this build is: the checkout's root, the project's version, Maven's home and local repository. */
final class Checkout {

    private Checkout() {
    }

    /** @return the checkout's root directory (the one holding README.md) */
    static Path root() {
        Path root = Path.of(property("loomux.root")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("README.md"))) {
            throw new IllegalStateException("no README.md in " + root + " (loomux.root)");
        }
        return root;
    }

    /** @return the version this build gives every artifact */
    static String version() {
        return property("loomux.version");
    }

    /** @return the Maven installation running this build */
    static Path mavenHome() {
        return Path.of(property("loomux.mavenHome"));
    }

    /** @return the local repository this build installs to */
    static Path localRepository() {
        return Path.of(property("loomux.localRepository"));
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank() || value.startsWith("${")) {
            throw new IllegalStateException("system property " + name
                    + " is not set: run these tests through Maven (./test -pl docs-check), whose pom sets it");
        }
        return value;
    }
}
