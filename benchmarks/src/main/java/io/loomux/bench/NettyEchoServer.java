package io.loomux.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * The reference point from the event-loop world: a Netty 4.1 echo server, as Netty's own example
 * writes it, on one event loop thread (the benchmark pins the server to one CPU).
 *
 * <p>Usage: {@code NettyEchoServer PORT nio|epoll}. Binds 127.0.0.1, prints
 * {@code listening on PORT (netty TRANSPORT)} once bound and runs until killed. Exits 2 on bad
 * arguments, and 1 with a one-line reason when the epoll transport is not available here.
 *
 * <p>The echo handler writes back every buffer it reads ({@code ctx.write}) and flushes once per
 * read batch ({@code channelReadComplete}). Buffers are pooled and direct; TCP_NODELAY is on; the
 * accept backlog is 4096. Like the blocking servers, it stops reading from a connection whose
 * peer does not read its echo (auto-read off while the channel is not writable), so a slow
 * client cannot make it buffer without bound.
 */
public final class NettyEchoServer {

    private NettyEchoServer() {
    }

    /**
     * @param args port and transport ({@code nio} or {@code epoll})
     * @throws InterruptedException if interrupted while serving
     */
    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2 || !(args[1].equals("nio") || args[1].equals("epoll"))) {
            System.err.println("usage: NettyEchoServer PORT nio|epoll");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String transport = args[1];
        EventLoopGroup group;
        Class<? extends ServerChannel> channelClass;
        if (transport.equals("epoll")) {
            if (!Epoll.isAvailable()) {
                Throwable cause = Epoll.unavailabilityCause();
                System.err.println("netty epoll transport unavailable: "
                        + (cause == null ? "unknown reason" : cause.toString().replace('\n', ' ')));
                System.exit(1);
            }
            group = new EpollEventLoopGroup(1);
            channelClass = EpollServerSocketChannel.class;
        } else {
            group = new NioEventLoopGroup(1);
            channelClass = NioServerSocketChannel.class;
        }
        ByteBufAllocator allocator = new PooledByteBufAllocator(true); // pooled, direct
        EchoHandler echo = new EchoHandler();
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(channelClass)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.ALLOCATOR, allocator)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, allocator)
                    .childHandler(echo)
                    .bind("127.0.0.1", port)
                    .sync()
                    .channel();
            System.out.println("listening on " + port + " (netty " + transport + ")");
            System.out.flush();
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    /** Writes back what it reads; one flush per read batch. Stateless, so one instance serves all. */
    @ChannelHandler.Sharable
    static class EchoHandler extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // Back-pressure: stop reading while the peer is not reading its echo.
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // the peer went away (reset); nothing to report
        }
    }
}
