package io.loomux.bench;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;

/**
 * The WebSocket peer from the event-loop world: Netty 4.1's WebSocket server
 * ({@code WebSocketServerProtocolHandler}, the way Netty's own examples set it up) echoing every
 * message, text as text and binary as binary, on one epoll event loop (the benchmark pins the
 * server to one CPU), as {@code loomux ws-echo} does.
 *
 * <p>Usage: {@code NettyWebSocketServer PORT}. Binds 127.0.0.1, prints {@code listening on PORT
 * (netty websocket)} once bound and runs until killed. Exits 2 on bad arguments, and 1 with a
 * one-line reason when the epoll transport is not available here.
 *
 * <p>Every path upgrades. Netty's handler answers the handshake, pings (with pongs) and the close
 * handshake; a fragmented message is assembled whole (up to 1 MiB, loomux's default limit)
 * before it is echoed, as loomux hands whole messages to its handler; no extension is offered
 * (no permessage-deflate), and text is checked to be UTF-8, as loomux does by default. Each echo is
 * written as its frame is read and flushed once per read batch ({@code channelReadComplete}),
 * and a connection whose peer does not read its echoes stops being read (auto-read off while the
 * channel is not writable), as {@link NettyEchoServer} does.
 */
public final class NettyWebSocketServer {

    /** The largest message (and frame) taken: loomux's default {@code maxMessageSize}. */
    private static final int MAX_MESSAGE = 1 << 20;
    /** The upgrade request has no body; its head alone is aggregated. */
    private static final int MAX_REQUEST = 64 * 1024;

    private NettyWebSocketServer() {
    }

    /**
     * @param args the port
     * @throws InterruptedException if interrupted while serving
     */
    public static void main(String[] args) throws InterruptedException {
        WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/")
                .checkStartsWith(true) // every path under "/": all of them
                .allowExtensions(false)
                .maxFramePayloadLength(MAX_MESSAGE)
                .build();
        EchoFrames echo = new EchoFrames();
        NettyServe.serve(args, "usage: NettyWebSocketServer PORT", "netty websocket",
                new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST),
                                new WebSocketServerProtocolHandler(config), new WebSocketFrameAggregator(MAX_MESSAGE),
                                echo);
                    }
                });
    }

    /**
     * Writes back every whole message as it came, with {@link NettyEchoServer.EchoHandler}'s
     * flushing and back-pressure; stateless, so one instance serves every channel.
     */
    @ChannelHandler.Sharable
    static final class EchoFrames extends NettyEchoServer.EchoHandler {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof BinaryWebSocketFrame || msg instanceof TextWebSocketFrame) {
                // The frame read is the frame written: its buffer goes out as it came in.
                ctx.write(msg, ctx.voidPromise());
            } else {
                ReferenceCountUtil.release(msg); // nothing else reaches here (control frames are Netty's)
            }
        }
    }
}
