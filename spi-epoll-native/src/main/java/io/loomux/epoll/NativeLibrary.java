package io.loomux.epoll;

import io.loomux.spi.Availability;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Finds, extracts and loads {@code libloomux-epoll.so} once per class loader, and decides whether
 * the backend is available. Class initialisation does the work, so it runs at most once and
 * concurrent first callers wait for it without a lock of ours.
 *
 * <p>The library is packaged at {@code META-INF/native/linux-<arch>/libloomux-epoll.so}. It is
 * copied to a file with a unique name ({@link Files#createTempFile}: concurrent JVMs and class
 * loaders never share or overwrite one), loaded with {@link System#load}, and the file is deleted
 * at once: Linux keeps a loaded library mapped after its file is unlinked, so nothing is left in
 * the temp directory even if the JVM is killed. ({@link java.io.File#deleteOnExit} is the
 * fallback should deleting fail.)
 */
final class NativeLibrary {

    /** {@code -Dloomux.epoll.disable=true} makes the backend report itself unavailable. */
    static final String DISABLE_PROPERTY = "loomux.epoll.disable";
    /** {@code -Dloomux.epoll.tmpdir=DIR} extracts there instead of java.io.tmpdir (e.g. when that is noexec). */
    static final String TMPDIR_PROPERTY = "loomux.epoll.tmpdir";
    /** The library's file name inside {@code META-INF/native/<platform>/}. */
    static final String LIBRARY_FILE = "libloomux-epoll.so";

    private static final Availability AVAILABILITY = compute();

    private NativeLibrary() {
    }

    /** @return whether the library is loaded and works; computed once */
    static Availability availability() {
        return AVAILABILITY;
    }

    /**
     * @param osArch the {@code os.arch} property
     * @return the platform directory name, e.g. {@code linux-x86_64} for {@code amd64}
     */
    static String platform(String osArch) {
        String arch = osArch.toLowerCase(Locale.ROOT);
        arch = switch (arch) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return "linux-" + arch;
    }

    /**
     * @param platform e.g. {@code linux-x86_64}
     * @return the resource path of its library inside the jar
     */
    static String resource(String platform) {
        return "META-INF/native/" + platform + "/" + LIBRARY_FILE;
    }

    /**
     * The checks that need no native code, in the order a user should hear about them.
     *
     * @param osName      the {@code os.name} property
     * @param osArch      the {@code os.arch} property
     * @param disabled    the value of {@value #DISABLE_PROPERTY}
     * @param hasResource whether a resource path is in the jar
     * @return why the backend cannot run, or null if the library should be loaded
     */
    static Availability precheck(String osName, String osArch, String disabled, Predicate<String> hasResource) {
        if (Boolean.parseBoolean(disabled)) {
            return Availability.unavailable("disabled by -D" + DISABLE_PROPERTY + "=true");
        }
        if (osName == null || !osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return Availability.unavailable("not Linux (os.name=" + osName + ")");
        }
        String platform = platform(String.valueOf(osArch));
        if (!hasResource.test(resource(platform))) {
            return Availability.unavailable("no native library for " + platform + " in the jar");
        }
        return null;
    }

    private static Availability compute() {
        try {
            Availability pre = precheck(System.getProperty("os.name"), System.getProperty("os.arch"),
                    System.getProperty(DISABLE_PROPERTY),
                    r -> NativeLibrary.class.getClassLoader() != null
                            ? NativeLibrary.class.getClassLoader().getResource(r) != null
                            : ClassLoader.getSystemResource(r) != null);
            if (pre != null) {
                return pre;
            }
            String resource = resource(platform(System.getProperty("os.arch")));
            String dir = System.getProperty(TMPDIR_PROPERTY, System.getProperty("java.io.tmpdir"));
            Availability loaded = load(resource, Path.of(dir));
            return loaded != null ? loaded : probe();
        } catch (RuntimeException | LinkageError e) {
            // Availability must never throw; whatever went wrong is the reason.
            return Availability.unavailable("native library failed to load: " + e);
        }
    }

    /**
     * Extracts a library resource to a uniquely named file in {@code dir} and loads it.
     *
     * @param resource the resource path
     * @param dir      where to extract
     * @return null when loaded, else why not
     */
    static Availability load(String resource, Path dir) {
        Path file = null;
        try {
            ClassLoader cl = NativeLibrary.class.getClassLoader();
            try (InputStream in = cl != null ? cl.getResourceAsStream(resource) : ClassLoader.getSystemResourceAsStream(resource)) {
                if (in == null) {
                    return Availability.unavailable("no native library " + resource + " in the jar");
                }
                Files.createDirectories(dir);
                file = Files.createTempFile(dir, "libloomux-epoll-", ".so");
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            return loadFile(file);
        } catch (IOException | RuntimeException e) {
            return Availability.unavailable("native library could not be extracted to " + dir + " (set -D"
                    + TMPDIR_PROPERTY + "=DIR to use another directory): " + e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    file.toFile().deleteOnExit();
                }
            }
        }
    }

    /**
     * Loads a library file and checks it is the one this code was compiled against.
     *
     * @param file the {@code .so}
     * @return null when loaded, else why not
     */
    static Availability loadFile(Path file) {
        try {
            System.load(file.toAbsolutePath().toString());
        } catch (UnsatisfiedLinkError e) {
            // e.g. a glibc older than the one it was built against: "version `GLIBC_2.xx' not found"
            return Availability.unavailable("native library failed to load: " + e.getMessage());
        }
        try {
            int abi = Native.abiVersion();
            if (abi != Native.ABI_VERSION) {
                return Availability.unavailable("native library has ABI version " + abi + ", this code needs "
                        + Native.ABI_VERSION + " (a stale libloomux-epoll.so)");
            }
        } catch (UnsatisfiedLinkError e) {
            return Availability.unavailable("native library failed to load: " + e.getMessage());
        }
        return null;
    }

    /** The library loaded; check the kernel lets us create what every poll set needs. */
    private static Availability probe() {
        int ep = Native.epollCreate();
        if (ep < 0) {
            return Availability.unavailable("epoll_create1 failed: " + Errors.describe(-ep));
        }
        int ev = Native.eventfd();
        Native.close(ep);
        if (ev < 0) {
            return Availability.unavailable("eventfd failed: " + Errors.describe(-ev));
        }
        Native.close(ev);
        return Availability.ok();
    }
}
