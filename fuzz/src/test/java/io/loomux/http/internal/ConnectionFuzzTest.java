package io.loomux.http.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.loomux.http.HttpServerSettings;

/**
 * A whole connection on arbitrary bytes: the server's connection loop reads them as requests,
 * runs a handler for each it accepts, and must end within a bound having written only
 * well-formed responses, nothing after one that ends the connection, and then closed it
 * ({@link Responses}). The drain limit is small, so that bodies the handler leaves unread
 * (paths with "skip") reach it.
 */
class ConnectionFuzzTest {

    private static final Harness HARNESS = new Harness(HttpServerSettings.builder()
            .maxRequestLineLength(512).maxHeaderBytes(2048).maxHeaders(32).drainLimit(256).build());

    @FuzzTest(maxDuration = "12s")
    void connection(byte[] input) throws InterruptedException {
        Responses.check(HARNESS.run(input));
    }
}
