package io.loomux.bench.soak;

import org.testng.annotations.Test;

import java.nio.ByteBuffer;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotEquals;

/** The pattern tells a right answer, a crossed one and a lost one apart. */
public class PatternTest {

    private final Pattern pattern = new Pattern(42);

    private ByteBuffer words(long conn, long index, int n) {
        ByteBuffer b = ByteBuffer.allocate(n * Pattern.WORD);
        pattern.fill(b, conn, index);
        return b.flip();
    }

    @Test
    public void itsOwnWordsInOrderAreGood() {
        assertEquals(pattern.verify(words(5, 100, 64), 5, 100), Pattern.Verdict.GOOD);
    }

    @Test
    public void anotherConnectionsWordsAreCrossed() {
        assertEquals(pattern.verify(words(6, 100, 64), 5, 100), Pattern.Verdict.CROSSED);
    }

    @Test
    public void aFlippedBitIsLost() {
        ByteBuffer b = words(5, 0, 64);
        b.put(77, (byte) (b.get(77) ^ 1));
        assertEquals(pattern.verify(b, 5, 0), Pattern.Verdict.LOST);
    }

    @Test
    public void aSkippedOrRepeatedWordIsLost() {
        assertEquals(pattern.verify(words(5, 1, 64), 5, 0), Pattern.Verdict.LOST);
        ByteBuffer b = words(5, 0, 64);
        b.putLong(8, b.getLong(0));
        assertEquals(pattern.verify(b, 5, 0), Pattern.Verdict.LOST);
    }

    @Test
    public void aTornWordIsLost() {
        ByteBuffer shifted = ByteBuffer.allocate(64 * Pattern.WORD);
        ByteBuffer src = words(5, 0, 65);
        src.position(3);
        src.limit(src.position() + shifted.capacity());
        shifted.put(src).flip();
        assertEquals(pattern.verify(shifted, 5, 0), Pattern.Verdict.LOST);
    }

    @Test
    public void seedsMakeDifferentBytes() {
        assertNotEquals(new Pattern(1).word(5, 0), new Pattern(2).word(5, 0));
    }
}
