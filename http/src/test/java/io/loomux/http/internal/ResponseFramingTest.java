package io.loomux.http.internal;

import static org.testng.Assert.assertEquals;

import io.loomux.http.internal.ResponseFraming.Body;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/** The JDK's rules for {@code sendResponseHeaders}, row by row, as every protocol applies them. */
public class ResponseFramingTest {

    @DataProvider
    public Object[][] rules() {
        return new Object[][] {
                // code, length given, HEAD?, body, Content-length sent (-1: none)
                {200, 5L, false, Body.FIXED, 5L},
                {200, 0L, false, Body.STREAMED, -1L},
                {200, -1L, false, Body.NONE, 0L},
                {404, -7L, false, Body.NONE, 0L},
                {200, 5L, true, Body.NONE, -1L},
                {200, 0L, true, Body.NONE, -1L},
                {200, -1L, true, Body.NONE, -1L},
                {204, -1L, false, Body.NONE, -1L},
                {204, 12L, false, Body.NONE, -1L},
                {304, -1L, false, Body.NONE, -1L},
                {304, 9L, false, Body.NONE, -1L},
                {100, 0L, false, Body.NONE, -1L},
                {199, 3L, false, Body.NONE, -1L},
                {205, 0L, false, Body.STREAMED, -1L},
                {500, Long.MAX_VALUE, false, Body.FIXED, Long.MAX_VALUE},
        };
    }

    @Test(dataProvider = "rules")
    public void framesAsTheJdkDoes(int code, long length, boolean head, Body body, long contentLength) {
        ResponseFraming f = ResponseFraming.decide(code, length, head);
        assertEquals(f.body(), body, "body");
        assertEquals(f.contentLength(), contentLength, "Content-length");
    }
}
