package io.loomux.http.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.loomux.http.HttpServerSettings;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The request-head parser ({@link RequestHead#read}) on arbitrary bytes, read as a pipeline of
 * requests. For each head it either returns one that {@link Rfc9112} also accepts, with the same
 * framing, or throws {@link HttpError} with a 4xx or 5xx status; it may also end at a clean end
 * of input, or with {@link EOFException} when the input ends inside a head. Any other exception,
 * or an accepted head that the RFC refuses (a smuggling vector), is a finding.
 *
 * <p>The limits are small, so that the fuzzer reaches them, and the input buffer starts small,
 * so that lines straddle its growth.
 */
class RequestHeadFuzzTest {

    static final HttpServerSettings SETTINGS = HttpServerSettings.builder()
            .maxRequestLineLength(256).maxHeaderBytes(1024).maxHeaders(16).build();
    /** Heads read from one input at most. */
    private static final int MAX_REQUESTS = 8;

    @FuzzTest(maxDuration = "12s")
    void parse(byte[] input) throws IOException {
        MemoryConnection c = new MemoryConnection(input);
        HttpInput in = new HttpInput(new PlainTransport(c), ByteBuffer.allocate(64));
        int start = 0;
        for (int i = 0; i < MAX_REQUESTS; i++) {
            RequestHead head;
            try {
                head = RequestHead.read(in, SETTINGS, null);
            } catch (HttpError e) {
                if (e.status < 400 || e.status > 599) {
                    throw new AssertionError("refused with status " + e.status + ": " + e.getMessage());
                }
                return;
            } catch (EOFException e) {
                // The partial line stays buffered; all of the input must have been read.
                if (c.delivered() != input.length) {
                    throw new AssertionError("EOFException with input left: " + e.getMessage());
                }
                return;
            }
            if (head == null) {
                assertAtEnd(c, in, input, "a clean end");
                return;
            }
            int end = c.delivered() - in.buffered();
            check(head, input, start, end);
            if (head.chunked()) {
                // The chunked decoder has a target of its own.
                return;
            }
            if (in.skip(head.contentLength()) < head.contentLength()) {
                return;
            }
            start = c.delivered() - in.buffered();
        }
    }

    private static void assertAtEnd(MemoryConnection c, HttpInput in, byte[] input, String what) {
        if (c.delivered() != input.length || in.buffered() != 0) {
            throw new AssertionError(what + " with " + (input.length - c.delivered() + in.buffered())
                    + " bytes left unread");
        }
    }

    /** The head the parser accepted must be one the RFC accepts, with the same framing. */
    static void check(RequestHead head, byte[] input, int start, int end) {
        List<Rfc9112.Head> read = new ArrayList<>();
        String violation = Rfc9112.headViolation(input, start, end, read);
        if (violation != null) {
            throw new AssertionError("accepted a head the RFC refuses (" + violation + "): '"
                    + Rfc9112.latin1(input, start, end) + "'");
        }
        Rfc9112.Head rfc = read.get(0);
        if (!rfc.method().equals(head.method())) {
            throw new AssertionError("method " + head.method() + ", the RFC reads " + rfc.method());
        }
        if (head.http10() != rfc.version().equals("HTTP/1.0")) {
            throw new AssertionError("http10 " + head.http10() + " for " + rfc.version());
        }
        long expected = 0;
        if (!rfc.values("Transfer-Encoding").isEmpty()) {
            expected = -1;
        } else if (!rfc.values("Content-Length").isEmpty()) {
            expected = Long.parseLong(rfc.values("Content-Length").get(0).split(",")[0].trim());
        }
        if (head.contentLength() != expected) {
            throw new AssertionError("content length " + head.contentLength() + ", the RFC reads " + expected);
        }
        int fields = 0;
        for (List<String> values : head.headers().values()) {
            fields += values.size();
        }
        if (fields != rfc.fields().size()) {
            throw new AssertionError(fields + " header fields, the RFC reads " + rfc.fields().size());
        }
    }
}
