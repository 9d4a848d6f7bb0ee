package io.loomux.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;

/**
 * The HTTP peer from the event-loop world: Netty 4.1's HTTP codec serving the same answer as
 * {@code loomux hello}, in the shape of Netty's own hello-world example, on one epoll event loop
 * (the benchmark pins the server to one CPU).
 *
 * <p>Usage: {@code NettyHttpServer PORT}. Binds 127.0.0.1, prints {@code listening on PORT (netty
 * http)} once bound and runs until killed. Exits 2 on bad arguments, and 1 with a one-line reason
 * when the epoll transport is not available here.
 *
 * <p>Every request gets {@code 200 OK}, {@code Content-Type: text/plain; charset=utf-8} and the
 * 14 bytes {@code Hello, world!\n} (a HEAD request the same headers and no body). Keep-alive is
 * the request's: an HTTP/1.1 request without {@code Connection: close} keeps its connection. The
 * response is written in {@code channelRead} and flushed once per read batch
 * ({@code channelReadComplete}), so pipelined requests share one write.
 */
public final class NettyHttpServer {

    private static final byte[] HELLO = "Hello, world!\n".getBytes(StandardCharsets.US_ASCII);
    private static final AsciiString CONTENT_TYPE = AsciiString.cached("text/plain; charset=utf-8");
    private static final AsciiString CONTENT_TYPE_NAME = AsciiString.cached("Content-type");
    private static final AsciiString CONTENT_LENGTH_NAME = AsciiString.cached("Content-length");

    private NettyHttpServer() {
    }

    /**
     * @param args the port
     * @throws InterruptedException if interrupted while serving
     */
    public static void main(String[] args) throws InterruptedException {
        HelloHandler hello = new HelloHandler();
        NettyServe.serve(args, "usage: NettyHttpServer PORT", "netty http", new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), hello);
            }
        });
    }

    /** Answers each request as it is decoded; stateless, so one instance serves every channel. */
    @ChannelHandler.Sharable
    static final class HelloHandler extends ChannelInboundHandlerAdapter {
        /** The body, shared read-only by every response (each takes a duplicate). */
        private final ByteBuf body = Unpooled.unreleasableBuffer(Unpooled.directBuffer(HELLO.length).writeBytes(HELLO))
                .asReadOnly();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                // The codec also hands on body chunks (none for a GET); only the head is answered.
                if (msg instanceof HttpRequest request) {
                    boolean head = request.method().equals(HttpMethod.HEAD);
                    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            head ? Unpooled.EMPTY_BUFFER : body.duplicate());
                    // Spelled as loomux's hello (and the JDK's server) spells them, so that the
                    // headers are the same bytes; only the Date line, which Netty leaves out, differs.
                    response.headers()
                            .set(CONTENT_TYPE_NAME, CONTENT_TYPE)
                            .setInt(CONTENT_LENGTH_NAME, HELLO.length);
                    if (HttpUtil.isKeepAlive(request)) {
                        if (!request.protocolVersion().isKeepAliveDefault()) {
                            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                        }
                        ctx.write(response, ctx.voidPromise());
                    } else {
                        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                        ctx.write(response).addListener(ChannelFutureListener.CLOSE);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // the peer went away (reset); nothing to report
        }
    }
}
