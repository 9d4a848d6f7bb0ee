package io.loomux.http.internal.h2;

import org.testng.annotations.Test;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/** The 31-bit window arithmetic of RFC 9113 section 6.9. */
public class FlowWindowTest {

    @Test
    public void consumingMoreThanTheWindowIsAFlowControlErrorOfItsScope() throws Http2Exception {
        FlowWindow stream = new FlowWindow(3, 10);
        stream.consume(10);
        assertEquals(stream.size(), 0);
        Http2Exception e = expectThrows(Http2Exception.class, () -> stream.consume(1));
        assertEquals(e.code(), ErrorCode.FLOW_CONTROL_ERROR);
        assertFalse(e.isConnectionError());
        assertEquals(e.streamId(), 3);

        FlowWindow connection = new FlowWindow(0, 10);
        e = expectThrows(Http2Exception.class, () -> connection.consume(11));
        assertTrue(e.isConnectionError());
        assertEquals(connection.size(), 10, "left as it was");
    }

    @Test
    public void grantingUpTo2To31Minus1IsAllowedAndPastItIsAFlowControlErrorOfItsScope() throws Http2Exception {
        FlowWindow stream = new FlowWindow(5, 65_535);
        stream.grant(Integer.MAX_VALUE - 65_535);
        assertEquals(stream.size(), Integer.MAX_VALUE);
        Http2Exception e = expectThrows(Http2Exception.class, () -> stream.grant(1));
        assertEquals(e.code(), ErrorCode.FLOW_CONTROL_ERROR);
        assertEquals(e.streamId(), 5);
        assertEquals(stream.size(), Integer.MAX_VALUE, "left as it was");

        FlowWindow connection = new FlowWindow(0, 1);
        e = expectThrows(Http2Exception.class, () -> connection.grant(Integer.MAX_VALUE));
        assertTrue(e.isConnectionError());
        assertEquals(e.code(), ErrorCode.FLOW_CONTROL_ERROR);
        assertThrows(IllegalArgumentException.class, () -> connection.grant(0));
    }

    @Test
    public void aSmallerInitialWindowSizeMayMakeTheWindowNegative() throws Http2Exception {
        FlowWindow w = new FlowWindow(1, 65_535);
        w.consume(60_000);
        w.initialSizeChanged(65_535, 16_384);
        assertEquals(w.size(), 5_535 - 49_151);
        assertEquals(w.available(), 0);
        assertThrows(Http2Exception.class, () -> w.consume(1));
        w.grant(43_616);
        assertEquals(w.size(), 0);
        w.grant(1);
        assertEquals(w.available(), 1);
    }

    @Test
    public void theMostNegativeWindowAndItsWayBack() throws Http2Exception {
        FlowWindow w = new FlowWindow(1, Integer.MAX_VALUE);
        w.consume(Integer.MAX_VALUE);
        w.initialSizeChanged(Integer.MAX_VALUE, 0);
        assertEquals(w.size(), -(long) Integer.MAX_VALUE);
        w.grant(Integer.MAX_VALUE);
        w.grant(Integer.MAX_VALUE);
        assertEquals(w.size(), Integer.MAX_VALUE);
    }

    @Test
    public void aLargerInitialWindowSizePast2To31Minus1IsAConnectionFlowControlError() throws Http2Exception {
        FlowWindow w = new FlowWindow(7, 65_535);
        w.grant(Integer.MAX_VALUE - 65_535 - 10);
        w.initialSizeChanged(65_535, 65_545);
        assertEquals(w.size(), Integer.MAX_VALUE);
        Http2Exception e = expectThrows(Http2Exception.class, () -> w.initialSizeChanged(65_545, 65_546));
        assertTrue(e.isConnectionError(), "section 6.9.2: a connection error, whatever the stream");
        assertEquals(e.code(), ErrorCode.FLOW_CONTROL_ERROR);
        assertEquals(w.size(), Integer.MAX_VALUE);
        assertThrows(IllegalStateException.class, () -> new FlowWindow(0, 1).initialSizeChanged(1, 2));
    }
}
