/* S4 (SCENARIOS.md: 1000 level-triggered pipes, 10 written per round, one zero-timeout dispatch) in C, over epoll and
 * over three io_uring designs, to show what bounds an io_uring loop on S4 with no managed code in the way.
 *
 *   apt-get install liburing-dev
 *   gcc -O2 -I../floor -o /tmp/s4_iouring s4_iouring.c -luring
 *   /tmp/s4_iouring <epoll|oneshot|multi|multi-ppoll> 100000
 *
 * epoll        the floor's loop (epoll_wait with a zero timeout per round).
 * oneshot      a POLL_ADD per event, re-armed by the next round's io_uring_enter (Backend.IoUring's Generic sources).
 * multi        one multishot poll per pipe, and a dispatch that only reads the completion ring: no system call beyond
 *              the writes and reads. NOT level-triggered (a pipe left readable is not reported again): a lower bound.
 * multi-ppoll  multi, made level-triggered by the cheapest check there is: one poll(2) with a zero timeout over the
 *              pipes dispatched in the previous round.
 * The metric is the scenario's (wall ns per event, writes included); compare modes within one run. */
#define _GNU_SOURCE
#include "common.h"
#include <liburing.h>
#include <poll.h>
#include <sys/epoll.h>

static int rfd[S4_PIPES], wfd[S4_PIPES];
static uint64_t handled;

static void on_readable(int idx) {
    char b;
    if (read(rfd[idx], &b, 1) == 1) handled++;
}

static void arm(struct io_uring *ring, int idx, int multishot) {
    struct io_uring_sqe *s = io_uring_get_sqe(ring);
    if (!s) {
        io_uring_submit(ring);
        s = io_uring_get_sqe(ring);
    }
    if (multishot)
        io_uring_prep_poll_multishot(s, rfd[idx], POLLIN);
    else
        io_uring_prep_poll_add(s, rfd[idx], POLLIN);
    s->user_data = (uint64_t)idx;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s <epoll|oneshot|multi|multi-ppoll> <rounds>\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    uint64_t rounds = strtoull(argv[2], 0, 10);
    int use_epoll = !strcmp(mode, "epoll"), multishot = !strncmp(mode, "multi", 5), level_check = !strcmp(mode, "multi-ppoll");
    if (!use_epoll && !multishot && strcmp(mode, "oneshot")) {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    raise_nofile();
    for (int i = 0; i < S4_PIPES; i++) {
        int fds[2];
        if (pipe2(fds, O_NONBLOCK | O_CLOEXEC)) {
            perror("pipe2");
            return 1;
        }
        rfd[i] = fds[0];
        wfd[i] = fds[1];
    }

    int ep = -1;
    struct io_uring ring;
    if (use_epoll) {
        ep = epoll_create1(EPOLL_CLOEXEC);
        for (int i = 0; i < S4_PIPES; i++) {
            struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
            epoll_ctl(ep, EPOLL_CTL_ADD, rfd[i], &e);
        }
    } else {
        struct io_uring_params p = {0};
        p.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQSIZE;
        p.cq_entries = 4096;
        if (io_uring_queue_init_params(2048, &ring, &p)) {
            perror("io_uring_queue_init_params");
            return 1;
        }
        for (int i = 0; i < S4_PIPES; i++) arm(&ring, i, multishot);
        io_uring_submit(&ring);
    }

    uint64_t rng = SEED_S4;
    int chosen[S4_PER_ROUND];
    struct epoll_event ev[64];
    struct pollfd pf[64];
    int ready[64], last[64], nlast = 0;
    uint64_t w0 = mono_ns(), c0 = cpu_ns();
    for (uint64_t r = 0; r < rounds; r++) {
        pick_distinct(&rng, chosen);
        for (int j = 0; j < S4_PER_ROUND; j++) (void)!write(wfd[chosen[j]], "x", 1);
        if (use_epoll) {
            int k = epoll_wait(ep, ev, 64, 0);
            for (int i = 0; i < k; i++) on_readable((int)ev[i].data.u32);
            continue;
        }
        int nready = 0;
        if (!multishot) {
            io_uring_submit(&ring); /* last round's re-arms: one io_uring_enter */
        } else if (level_check && nlast) {
            /* A pipe dispatched last round and still readable fires again. */
            for (int i = 0; i < nlast; i++) pf[i] = (struct pollfd){.fd = rfd[last[i]], .events = POLLIN};
            int k = poll(pf, (nfds_t)nlast, 0);
            for (int i = 0; k > 0 && i < nlast; i++)
                if (pf[i].revents) ready[nready++] = last[i];
        }
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            int idx = (int)cqe->user_data, dup = 0;
            seen++;
            for (int i = 0; i < nready; i++) dup |= ready[i] == idx;
            if (!dup) ready[nready++] = idx;
            if (!multishot) arm(&ring, idx, 0);
        }
        io_uring_cq_advance(&ring, seen);
        for (int i = 0; i < nready; i++) on_readable(ready[i]);
        nlast = nready;
        memcpy(last, ready, sizeof(int) * (size_t)nready);
    }
    uint64_t w = mono_ns() - w0, c = cpu_ns() - c0;
    if (handled != rounds * S4_PER_ROUND) {
        printf("ERROR scenario=S4 peer=%s handled=%llu\n", mode, (unsigned long long)handled);
        return 1;
    }
    printf("scenario=S4 peer=%s n=%llu ns_per_op=%.1f cpu_ns_per_op=%.1f\n", mode, (unsigned long long)rounds,
           (double)w / (double)(rounds * S4_PER_ROUND), (double)c / (double)(rounds * S4_PER_ROUND));
    return 0;
}
