/* Linked into the floor to build `floor-mt`: the same program with one extra thread that only sleeps.
 *
 * Every .NET process has several threads, and Linux charges a multi-threaded process more per system call on a
 * descriptor: with a shared file table, fdget/fput take and drop a reference on the file (atomics) where a
 * single-threaded process skips them, and read/write on an eventfd take the file's position lock. The floor is
 * single-threaded; floor-mt shows what the same C code pays once it is not.
 *
 *   gcc -O2 -o floor-mt floor.c idle_thread.c -lpthread -lm
 */
#include <pthread.h>
#include <unistd.h>

static void *sleep_forever(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return 0;
}

__attribute__((constructor)) static void start_idle_thread(void)
{
    pthread_t thread;
    pthread_create(&thread, 0, sleep_forever, 0);
}
