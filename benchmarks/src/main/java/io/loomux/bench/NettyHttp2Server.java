package io.loomux.bench;

import io.loomux.cli.SixtyFourK;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.AsciiString;

import java.nio.charset.StandardCharsets;

/**
 * The HTTP/2 peer from the event-loop world: Netty 4.1's HTTP/2 codec serving the h2 case's
 * answers over h2c with prior knowledge (a connection that opens with the client preface, as
 * {@code h2load http://...} sends), on one epoll event loop like {@link NettyHttpServer}.
 *
 * <p>Usage: {@code NettyHttp2Server PORT}. Binds 127.0.0.1, prints {@code listening on PORT (netty
 * http2)} once bound and runs until killed. Exits 2 on bad arguments, and 1 with a one-line reason
 * when the epoll transport is not available here.
 *
 * <p>{@code /64k} gets {@link SixtyFourK#body()}, any other path the 14 bytes {@code Hello,
 * world!\n}: status 200, {@code content-type: text/plain; charset=utf-8} and the
 * {@code content-length}, as {@code loomux hello} answers. The handler is the codec's lowest
 * level, a frame listener on the connection handler (no child channel per stream): a request is
 * answered as soon as its stream ends, and the codec flushes once per read batch.
 */
public final class NettyHttp2Server {

    private static final byte[] HELLO = "Hello, world!\n".getBytes(StandardCharsets.US_ASCII);
    private static final AsciiString CONTENT_TYPE = AsciiString.cached("text/plain; charset=utf-8");
    private static final AsciiString BIG_PATH = AsciiString.cached("/64k");

    private NettyHttp2Server() {
    }

    /**
     * @param args the port
     * @throws InterruptedException if interrupted while serving
     */
    public static void main(String[] args) throws InterruptedException {
        NettyServe.serve(args, "usage: NettyHttp2Server PORT", "netty http2", new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                // A connection handler holds one connection's state: one each.
                ch.pipeline().addLast(new HelloBuilder().build());
            }
        });
    }

    /** Builds a {@link HelloHandler} that is also its own decoder's frame listener. */
    static final class HelloBuilder extends AbstractHttp2ConnectionHandlerBuilder<HelloHandler, HelloBuilder> {
        @Override
        public HelloHandler build() {
            return super.build();
        }

        @Override
        protected HelloHandler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                                     Http2Settings initialSettings) {
            HelloHandler h = new HelloHandler(decoder, encoder, initialSettings);
            frameListener(h);
            return h;
        }
    }

    /** Answers each stream when its request ends; ignores every other frame. */
    static final class HelloHandler extends Http2ConnectionHandler implements Http2FrameListener {
        /** The bodies, shared read-only by every response (each takes a duplicate). */
        private static final ByteBuf HELLO_BODY = shared(HELLO);
        private static final ByteBuf BIG_BODY = shared(SixtyFourK.body());

        HelloHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings initialSettings) {
            super(decoder, encoder, initialSettings);
        }

        private static ByteBuf shared(byte[] bytes) {
            return Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes)).asReadOnly();
        }

        private void answer(ChannelHandlerContext ctx, int streamId, CharSequence path) {
            ByteBuf body = BIG_PATH.contentEquals(path) ? BIG_BODY : HELLO_BODY;
            Http2Headers headers = new DefaultHttp2Headers()
                    .status("200")
                    .set("content-type", CONTENT_TYPE)
                    .setInt("content-length", body.readableBytes());
            encoder().writeHeaders(ctx, streamId, headers, 0, false, ctx.newPromise());
            encoder().writeData(ctx, streamId, body.duplicate(), 0, true, ctx.newPromise());
        }

        /** The request's path, or nothing when it came without one. */
        private static CharSequence path(Http2Headers headers) {
            CharSequence p = headers.path();
            return p == null ? "" : p;
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
            if (endOfStream) {
                // A body with the request: the hello answers alike, whatever the path was.
                answer(ctx, streamId, "");
            }
            return data.readableBytes() + padding;
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                                  boolean endOfStream) {
            if (endOfStream) {
                answer(ctx, streamId, path(headers));
            }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                                  short weight, boolean exclusive, int padding, boolean endOfStream) {
            onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
                                   boolean exclusive) {
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
        }

        @Override
        public void onSettingsAckRead(ChannelHandlerContext ctx) {
        }

        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
        }

        @Override
        public void onPingRead(ChannelHandlerContext ctx, long data) {
        }

        @Override
        public void onPingAckRead(ChannelHandlerContext ctx, long data) {
        }

        @Override
        public void onPushPromiseRead(ChannelHandlerContext ctx, int streamId, int promisedStreamId,
                                      Http2Headers headers, int padding) {
        }

        @Override
        public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
        }

        @Override
        public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {
        }

        @Override
        public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags,
                                   ByteBuf payload) {
        }
    }
}
