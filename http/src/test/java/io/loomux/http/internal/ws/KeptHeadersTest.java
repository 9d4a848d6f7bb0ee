package io.loomux.http.internal.ws;

import com.sun.net.httpserver.Headers;
import org.testng.annotations.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.testng.Assert.assertEquals;

/** A WebSocket's packed copy of its opening request's fields gives them all back, as often as asked. */
public class KeptHeadersTest {

    private static Map<String, List<String>> sorted(Headers h) {
        return new TreeMap<>(h);
    }

    @Test
    public void everyFieldAndValueComesBackInOrder() {
        Headers given = new Headers();
        given.add("Host", "127.0.0.1:8080");
        given.add("Sec-WebSocket-Protocol", "chat");
        given.add("Sec-WebSocket-Protocol", "superchat");
        given.add("Cookie", "a=1; b=2");
        given.add("X-Empty", "");
        given.add("Origin", "http://example.com");
        KeptHeaders kept = KeptHeaders.of(given);
        assertEquals(sorted(kept.headers()), sorted(given));
        assertEquals(kept.headers().get("Sec-websocket-protocol"), List.of("chat", "superchat"));
    }

    @Test
    public void noFieldsIsNoFields() {
        assertEquals(KeptHeaders.of(new Headers()).headers(), new Headers());
    }

    @Test
    public void eachCopyIsTheCallersOwn() {
        Headers given = new Headers();
        given.add("Cookie", "a=1");
        KeptHeaders kept = KeptHeaders.of(given);
        Headers first = kept.headers();
        first.add("Cookie", "b=2");
        first.remove("Cookie");
        given.add("Cookie", "c=3");
        assertEquals(kept.headers().get("Cookie"), List.of("a=1"));
    }
}
