package io.loomux.docs;

import static org.testng.Assert.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.testng.annotations.Test;

/**
 * The commands README.md gives run with the JDK the scripts find: a plain {@code java} is the
 * machine's default, which may be older than 21 (Debian 12's is 17) and then fails with
 * {@code UnsupportedClassVersionError}.
 */
public class CommandsUseTheScriptsJdkTest {

    /** A command that starts with a bare java, in a code span or at the start of a shell line. */
    private static final Pattern BARE_JAVA = Pattern.compile("(^|`|\\$ )java\\s+-");

    @Test
    public void noReadmeCommandStartsWithABareJava() throws IOException {
        List<String> bare = new ArrayList<>();
        List<String> lines = Files.readAllLines(Checkout.root().resolve("README.md"), StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            if (BARE_JAVA.matcher(lines.get(i).strip()).find()) {
                bare.add("README.md:" + (i + 1) + ": " + lines.get(i).strip());
            }
        }
        assertEquals(bare, List.of(), "commands on a bare java: give them a script that finds a JDK 21+ (scripts/jdk.sh)");
    }
}
