package io.loomux.http.internal;

import com.sun.net.httpserver.Headers;
import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.testng.Assert.assertEquals;

/**
 * The server's response headers against the JDK's {@link Headers} as the oracle: every
 * operation, with good and bad names and values, must answer the same and leave the same fields.
 */
public class ResponseHeadersTest {

    private record Step(String what, Function<Headers, Object> op) {
    }

    private static final List<Step> STEPS = List.of(
            new Step("set", h -> { h.set("content-type", "text/plain"); return null; }),
            new Step("add", h -> { h.add("X-Many", "a"); h.add("x-many", "b"); return h.get("X-MANY"); }),
            new Step("getFirst", h -> h.getFirst("CONTENT-TYPE")),
            new Step("getFirst absent", h -> h.getFirst("absent")),
            new Step("get absent", h -> h.get("absent")),
            new Step("containsKey", h -> h.containsKey("x-many")),
            new Step("containsKey other type", h -> h.containsKey(42)),
            new Step("containsKey null", h -> h.containsKey(null)),
            new Step("containsValue null", h -> h.containsValue(null)),
            new Step("put", h -> h.put("x-put", new ArrayList<>(List.of("1", "2")))),
            new Step("put again", h -> h.put("X-PUT", new ArrayList<>(List.of("3")))),
            new Step("list changed by the handler", h -> { h.get("x-many").add("c"); return h.get("X-Many"); }),
            new Step("folded value", h -> { h.add("X-Fold", "a\r\n b"); return h.getFirst("x-fold"); }),
            new Step("CR in a value", h -> { h.add("X-Bad", "a\rb"); return null; }),
            new Step("LF in a value", h -> { h.set("X-Bad", "a\nb"); return null; }),
            new Step("CRLF without a space", h -> { h.add("X-Bad", "a\r\nb"); return null; }),
            new Step("CR at the end", h -> { h.add("X-Bad", "a\r"); return null; }),
            new Step("char beyond Latin-1", h -> { h.add("X-Bad", "a\u0100"); return null; }),
            new Step("CR in a name", h -> { h.add("X\rBad", "a"); return null; }),
            new Step("null name", h -> { h.add(null, "a"); return null; }),
            new Step("null value", h -> { h.set("X-Null", null); return null; }),
            new Step("bad value in put", h -> h.put("X-Bad", List.of("ok", "a\nb"))),
            new Step("putAll", h -> { h.putAll(Map.of("x-all", List.of("v"))); return h.get("X-All"); }),
            new Step("putIfAbsent", h -> h.putIfAbsent("X-All", List.of("w"))),
            new Step("computeIfAbsent", h -> h.computeIfAbsent("x-new", k -> new ArrayList<>(List.of(k)))),
            new Step("replaceAll", h -> { h.replaceAll((k, v) -> v); return h.size(); }),
            new Step("replaceAll bad", h -> { h.replaceAll((k, v) -> List.of("a\nb")); return null; }),
            new Step("remove", h -> h.remove("X-PUT")),
            new Step("remove absent", h -> h.remove("nothing")),
            new Step("size and empty", h -> h.size() + " " + h.isEmpty()),
            new Step("keys", h -> new java.util.TreeSet<>(h.keySet())),
            new Step("entry set value", h -> {
                h.entrySet().stream().filter(e -> e.getKey().equals("X-many")).forEach(e -> e.setValue(List.of("e")));
                return h.get("x-many");
            }),
            new Step("clear", h -> { h.clear(); return h.isEmpty(); }));

    @Test
    public void everyStepAnswersAsTheJdksHeadersDo() {
        Headers jdk = new Headers();
        Headers ours = new ResponseHeaders();
        for (Step s : STEPS) {
            assertEquals(outcome(ours, s), outcome(jdk, s), s.what());
            assertEquals(ours, jdk, "the fields after '" + s.what() + "'");
            assertEquals(ours.hashCode(), jdk.hashCode(), s.what());
        }
    }

    @Test
    public void oneFieldPrintsAsTheJdksHeadersDo() {
        Headers jdk = new Headers();
        Headers ours = new ResponseHeaders();
        jdk.set("content-length", "5");
        ours.set("content-length", "5");
        assertEquals(ours.toString(), jdk.toString());
    }

    /** @return the step's answer, or the kind of what it threw */
    private static String outcome(Headers h, Step s) {
        try {
            return String.valueOf(s.op().apply(h));
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName();
        }
    }
}
