package io.loomux.bench.flame;

import org.testng.annotations.Test;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.expectThrows;
import static org.testng.Assert.assertTrue;

/** Collapsed stacks become a tree whose counts add up, and the top frames count each stack once. */
public class FrameTreeTest {

    private static FrameTree parse(String collapsed) throws IOException {
        return FrameTree.parse(new StringReader(collapsed));
    }

    private static FrameTree child(FrameTree node, String name) {
        return node.children().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    public void totalsAndSelfAddUpAlongEveryPath() throws IOException {
        FrameTree root = parse("a;b;c 3\na;b 2\n\na;d 5\n");
        assertEquals(root.total(), 10);
        FrameTree a = child(root, "a");
        assertEquals(a.total(), 10);
        assertEquals(a.self(), 0);
        FrameTree b = child(a, "b");
        assertEquals(b.total(), 5);
        assertEquals(b.self(), 2);
        assertEquals(child(b, "c").self(), 3);
        assertEquals(root.depth(), 4);
    }

    @Test
    public void aLineWithoutACountIsRefused() {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> parse("a;b 1\na;b\n"));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    public void pruningDropsThinFramesButKeepsTotals() throws IOException {
        FrameTree root = parse("a;big 98\na;thin 1\na;thin;deeper 1\n").pruned(3);
        FrameTree a = child(root, "a");
        assertEquals(a.total(), 100);
        assertEquals(a.children().stream().map(FrameTree::name).toList(), List.of("big"));
    }

    @Test
    public void topFramesCountARecursiveNameOncePerStack() throws IOException {
        FrameTree root = parse("[t tid=1];f_[j];g_[j];f_[j] 4\n[t tid=1];h_[j] 6\n");
        TopFrames top = new TopFrames(root, false);
        assertEquals(top.byTotal(1), List.of(new TopFrames.Row("h", FrameKind.JAVA, 6)));
        assertEquals(top.byTotal(3).get(1), new TopFrames.Row("f", FrameKind.JAVA, 4));
        assertEquals(top.bySelf(2), List.of(new TopFrames.Row("h", FrameKind.JAVA, 6),
                new TopFrames.Row("f", FrameKind.JAVA, 4)));
        assertTrue(top.byTotal(10).stream().noneMatch(r -> r.kind() == FrameKind.THREAD));
    }

    @Test
    public void kindsFollowTheNames() {
        assertEquals(FrameKind.of("io/loomux/http/internal/Http1Connection.serve_[j]", false), FrameKind.LOOMUX);
        assertEquals(FrameKind.of("io/netty/channel/nio/NioEventLoop.run_[i]", false), FrameKind.NETTY);
        assertEquals(FrameKind.of("java/lang/VirtualThread.run_[1]", false), FrameKind.JDK);
        assertEquals(FrameKind.of("tcp_sendmsg_[k]", false), FrameKind.KERNEL);
        assertEquals(FrameKind.of("Java_io_loomux_epoll_Native_writeArray", false), FrameKind.NATIVE);
        assertEquals(FrameKind.of("SharedRuntime::complete_monitor_locking_C", false), FrameKind.NATIVE);
        assertEquals(FrameKind.of("[ForkJoinPool-1-worker-1 tid=6180]", false), FrameKind.THREAD);
        assertEquals(FrameKind.of("java.lang.String_[i]", true), FrameKind.ALLOCATED);
        assertEquals(FrameKind.of("java/lang/String.<init>_[i]", true), FrameKind.JDK);
        assertEquals(FrameKind.of("[unknown]", false), FrameKind.NATIVE);
        assertEquals(FrameKind.displayName("byte[]_[k]"), "byte[]");
        assertEquals(FrameKind.JDK.show("java/lang/Thread.run_[j]"), "java.lang.Thread.run");
    }
}
