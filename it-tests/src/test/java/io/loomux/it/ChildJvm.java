package io.loomux.it;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The loomux command line in a child JVM on the module path, built from the jars (or class
 * directories) this test runs with. Its output (standard output and error together) is read on
 * a thread of its own and kept, so that the child never blocks on a full pipe and a test can
 * show what it printed.
 */
final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final CompletableFuture<Matcher> banner = new CompletableFuture<>();

    private ChildJvm(Process process, Pattern bannerPattern) {
        this.process = process;
        Thread.ofPlatform().daemon().name("child-jvm-output").start(() -> read(bannerPattern));
    }

    /**
     * The module path: every loomux module, the sample third-party plugin and jctools, taken
     * from this JVM's class path.
     */
    static String modulePath() {
        List<String> parts = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String p = entry.replace('\\', '/');
            if (p.contains("/loomux-api") || p.contains("/api/target/classes")
                    || p.contains("loomux-spi-") || p.contains("/spi-selector/target/classes")
                    || p.contains("/spi-epoll-native/target/classes")
                    || p.contains("loomux-server") || p.contains("/server/target/classes")
                    || p.contains("loomux-cli") || p.contains("/cli/target/classes")
                    || p.contains("loomux-http") || p.contains("/http/target/classes")
                    || p.contains("loomux-sample-") || p.contains("/samples/countingplugin/target/classes")
                    || p.contains("jctools-core")) {
                parts.add(entry);
            }
        }
        return String.join(File.pathSeparator, parts);
    }

    /** @return the command that runs the loomux command line with {@code args} */
    static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=io.loomux.epoll",
                "--module-path", modulePath(),
                "--module", "io.loomux.cli/io.loomux.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Starts {@code command}, wrapped by {@code wrap} (e.g. in a shell that lowers a limit).
     *
     * @param bannerPattern the line the child prints once it serves
     */
    static ChildJvm start(List<String> command, Function<List<String>, List<String>> wrap, Pattern bannerPattern)
            throws IOException {
        return new ChildJvm(new ProcessBuilder(wrap.apply(command)).redirectErrorStream(true).start(), bannerPattern);
    }

    private void read(Pattern bannerPattern) {
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        try {
            // Bounded by the output: it ends when the child exits.
            for (String l; (l = lines.readLine()) != null; ) {
                output.append(l).append('\n');
                Matcher m = bannerPattern.matcher(l);
                if (!banner.isDone() && m.find()) {
                    banner.complete(m);
                }
            }
        } catch (IOException e) {
            output.append("(reading the output failed: ").append(e).append(")\n");
        }
        banner.completeExceptionally(new AssertionError("the child exited without its banner:\n" + output));
    }

    /** @return the banner's match, once the child has printed it */
    Matcher banner(long seconds) throws Exception {
        return banner.get(seconds, TimeUnit.SECONDS);
    }

    /** @return what the child printed so far */
    String output() {
        return output.toString();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
