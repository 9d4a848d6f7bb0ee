package io.loomux.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;

/**
 * How the benchmarks' Netty HTTP servers serve ({@link NettyHttpServer}, {@link NettyHttp2Server}):
 * one epoll event loop (the benchmark pins the server to one CPU), 127.0.0.1, a backlog of 4,096,
 * TCP_NODELAY and pooled buffers, until the process is killed.
 */
final class NettyServe {

    private NettyServe() {
    }

    /**
     * Takes {@code PORT} from the arguments and serves on it, printing {@code listening on PORT
     * (WHAT)} once bound. Exits 2 on bad arguments, and 1 with a one-line reason when the epoll
     * transport is not available here.
     *
     * @param args     the program's arguments: the port alone
     * @param usage    the usage line printed for bad arguments
     * @param what     the server's name in the ready line
     * @param children the handler each accepted channel is set up with
     * @throws InterruptedException if interrupted while serving
     */
    static void serve(String[] args, String usage, String what, ChannelHandler children) throws InterruptedException {
        if (args.length != 1) {
            System.err.println(usage);
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        if (!Epoll.isAvailable()) {
            Throwable cause = Epoll.unavailabilityCause();
            System.err.println("netty epoll transport unavailable: "
                    + (cause == null ? "unknown reason" : cause.toString().replace('\n', ' ')));
            System.exit(1);
        }
        EventLoopGroup group = new EpollEventLoopGroup(1);
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childHandler(children)
                    .bind("127.0.0.1", port)
                    .sync()
                    .channel();
            System.out.println("listening on " + port + " (" + what + ")");
            System.out.flush();
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }
}
