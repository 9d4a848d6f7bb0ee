package io.loomux.docs;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.testng.annotations.Test;

public class MarkdownBlocksTest {

    private static List<MarkdownBlocks.Block> read(String markdown) throws IOException {
        Path doc = Files.createTempFile("blocks-", ".md");
        try {
            Files.writeString(doc, markdown);
            return MarkdownBlocks.read(doc);
        } finally {
            Files.delete(doc);
        }
    }

    @Test
    public void aMarkerNamesTheFileOfTheBlockRightAfterIt() throws IOException {
        List<MarkdownBlocks.Block> blocks = read("""
                text
                <!-- file: src/main/java/a/B.java run=echo:7007 x=y -->
                ```java
                class B {}
                ```
                ```sh
                ./test
                ```
                """);
        assertEquals(blocks.size(), 2);
        assertEquals(blocks.get(0).file(), "src/main/java/a/B.java");
        assertEquals(blocks.get(0).attributes(), Map.of("run", "echo:7007", "x", "y"));
        assertEquals(blocks.get(0).language(), "java");
        assertEquals(blocks.get(0).text(), "class B {}\n");
        assertEquals(blocks.get(0).line(), 3);
        assertNull(blocks.get(1).file());
        assertEquals(blocks.get(1).text(), "./test\n");
    }

    @Test
    public void anIndentedBlockLosesTheFencesIndentationOnly() throws IOException {
        List<MarkdownBlocks.Block> blocks = read("""
                - in a list:
                   ```java
                   module m {
                       requires x;
                   }
                   ```
                """);
        assertEquals(blocks.get(0).text(), "module m {\n    requires x;\n}\n");
    }

    @Test
    public void aFenceThatNeverClosesOrAMarkerWithoutABlockIsAnError() {
        assertThrows(IllegalStateException.class, () -> read("```java\nclass A {}\n"));
        assertThrows(IllegalStateException.class, () -> read("<!-- file: A.java -->\n\ntext\n"));
    }
}
