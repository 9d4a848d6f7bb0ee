package io.loomux.http.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.loomux.http.HttpServerSettings;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The chunked decoder ({@link RequestBody}) on arbitrary bytes after a valid chunked request
 * head, run as a whole connection whose handler reads the body. Compared with
 * {@link Rfc9112#chunked}: the bytes it returns are always a prefix of what the chunks declare;
 * it reads a valid body to its end, with the same bytes and ending at the same byte (so the next
 * request starts where the RFC says); a body the RFC refuses (malformed, cut short, over a limit)
 * makes the read fail and no later request is served.
 */
class ChunkedBodyFuzzTest {

    static final byte[] HEAD = "POST /body HTTP/1.1\r\nHost: fuzz\r\nTransfer-Encoding: chunked\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);
    private static final HttpServerSettings SETTINGS = HttpServerSettings.builder()
            .maxHeaderBytes(512).maxHeaders(8).build();
    private static final Harness HARNESS = new Harness(SETTINGS);

    @FuzzTest(maxDuration = "12s")
    void decode(byte[] body) throws InterruptedException {
        byte[] input = Arrays.copyOf(HEAD, HEAD.length + body.length);
        System.arraycopy(body, 0, input, HEAD.length, body.length);
        Harness.Run run = HARNESS.run(input);
        Responses.check(run);
        if (run.exchanges().isEmpty()) {
            throw new AssertionError("the handler was not called for a valid head");
        }
        Harness.Exchange x = run.exchanges().get(0);
        Rfc9112.ChunkedBody rfc = Rfc9112.chunked(input, HEAD.length, SETTINGS.maxHeaderBytes(), SETTINGS.maxHeaders());
        byte[] read = x.body();
        if (read.length > rfc.data().length || !Arrays.equals(read, 0, read.length, rfc.data(), 0, read.length)) {
            throw new AssertionError("read " + read.length + " bytes that are not a prefix of the "
                    + rfc.data().length + " the chunks carry");
        }
        // A body that only a lenient reader would take (Rfc9112.Verdict.LENIENT) must be refused too.
        boolean accept = rfc.verdict() == Rfc9112.Verdict.VALID;
        if (x.failure() == null) {
            if (!accept) {
                throw new AssertionError("read to its end a body the RFC refuses: " + rfc.why());
            }
            if (read.length != rfc.data().length) {
                throw new AssertionError("read " + read.length + " of the " + rfc.data().length + " bytes");
            }
            if (x.bodyEnd() != rfc.end()) {
                throw new AssertionError("the body ended at byte " + x.bodyEnd() + ", the RFC says " + rfc.end());
            }
        } else if (rfc.verdict() == Rfc9112.Verdict.VALID) {
            throw new AssertionError("refused a valid body: " + x.failure());
        }
    }
}
