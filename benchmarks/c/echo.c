/*
 * A trivial single-threaded echo server on Linux epoll, for the benchmarks: it shows what one
 * core can echo with no runtime at all, and so that the load generator is not the bottleneck.
 *
 *   gcc -O2 -Wall -Wextra -Werror -o echo echo.c
 *   ./echo PORT            binds 127.0.0.1:PORT, prints "listening on PORT (c)", runs until killed
 *
 * Level-triggered epoll, non-blocking sockets, TCP_NODELAY, one 64 KiB read buffer shared by all
 * connections. A write that does not take everything keeps the rest in a per-connection buffer,
 * stops reading that connection and waits for EPOLLOUT; once the rest is written, it reads again.
 * A connection is closed on EOF (after its echo is written), on a reset, or on any error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE (64 * 1024)
#define MAX_EVENTS 1024

struct conn {
    int fd;
    char *pending;     /* bytes read but not yet written back, or NULL */
    size_t off, len;   /* pending[off, len) is still to write */
};

static int epfd;
static char buf[BUF_SIZE];

static void die(const char *what) {
    fprintf(stderr, "echo: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void conn_close(struct conn *c) {
    close(c->fd); /* also removes it from the epoll set */
    free(c->pending);
    free(c);
}

static int set_events(struct conn *c, unsigned events) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    return epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes data[0, n); keeps what the socket did not take. 0: done or kept, -1: close. */
static int write_or_keep(struct conn *c, const char *data, size_t n) {
    size_t done = 0;
    while (done < n) {
        ssize_t w = send(c->fd, data + done, n - done, MSG_NOSIGNAL);
        if (w > 0) {
            done += (size_t) w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            return -1;
        }
    }
    if (done == n) {
        return 0;
    }
    if (c->pending == NULL && (c->pending = malloc(BUF_SIZE)) == NULL) {
        return -1;
    }
    memcpy(c->pending, data + done, n - done); /* n <= BUF_SIZE */
    c->off = 0;
    c->len = n - done;
    return set_events(c, EPOLLOUT); /* stop reading until the rest is out */
}

static void on_readable(struct conn *c) {
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n > 0) {
        if (write_or_keep(c, buf, (size_t) n) < 0) {
            conn_close(c);
        }
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        conn_close(c); /* EOF or error; nothing is pending while we read */
    }
}

static void on_writable(struct conn *c) {
    while (c->off < c->len) {
        ssize_t w = send(c->fd, c->pending + c->off, c->len - c->off, MSG_NOSIGNAL);
        if (w > 0) {
            c->off += (size_t) w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return; /* still waiting for EPOLLOUT */
        } else {
            conn_close(c);
            return;
        }
    }
    c->off = c->len = 0;
    if (set_events(c, EPOLLIN | EPOLLRDHUP) < 0) {
        conn_close(c);
    }
}

static void on_accept(int lfd) {
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                perror("echo: accept"); /* e.g. EMFILE: go on, try again on the next event */
            }
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->fd = fd;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            close(fd);
            free(c);
        }
    }
}

int main(int argc, char **argv) {
    char *end;
    long port = argc == 2 ? strtol(argv[1], &end, 10) : -1;
    if (argc != 2 || *end != '\0' || port < 0 || port > 65535) {
        fprintf(stderr, "usage: echo PORT\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) {
        die("socket");
    }
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *) &addr, sizeof addr) < 0) {
        die("bind");
    }
    if (listen(lfd, 4096) < 0) {
        die("listen");
    }
    if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
        die("epoll_create1");
    }
    static struct conn listener; /* data.ptr == &listener marks the listening socket */
    listener.fd = lfd;
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &listener};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev) < 0) {
        die("epoll_ctl");
    }
    printf("listening on %ld (c)\n", port);
    fflush(stdout);

    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(epfd, events, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            unsigned ev = events[i].events;
            if (c == &listener) {
                on_accept(lfd);
            } else if (c->len > 0) {
                if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
                    on_writable(c); /* an error shows up as a failed send */
                }
            } else if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
                on_readable(c); /* EOF and errors show up as recv returning 0 or -1 */
            }
        }
    }
}
