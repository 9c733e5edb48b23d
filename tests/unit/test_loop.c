/* The event loop: handlers run on its thread when their fd is ready, and
 * stop/destroy end it cleanly. */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/loop.h"

struct counter {
	int fd;
	int done_fd;
	pthread_t thread;
	uint64_t total;
};

static void on_ready(void *opaque, uint32_t events)
{
	struct counter *c = opaque;
	uint64_t n;
	assert_true(events & EPOLLIN);
	if (read(c->fd, &n, sizeof(n)) == sizeof(n))
		c->total += n;
	c->thread = pthread_self();
	uint64_t one = 1;
	assert_int_equal(write(c->done_fd, &one, sizeof(one)), sizeof(one));
}

static void test_loop_dispatch(void **state)
{
	struct event_loop loop;
	struct error *err = NULL;
	struct counter c = {.fd = eventfd(0, EFD_NONBLOCK), .done_fd = eventfd(0, 0)};
	assert_int_equal(loop_init(&loop, &err), 0);
	assert_int_equal(loop_watch(&loop, c.fd, EPOLLIN, on_ready, &c, &err), 0);
	assert_int_equal(loop_start(&loop, &err), 0);

	uint64_t three = 3, done;
	assert_int_equal(write(c.fd, &three, sizeof(three)), sizeof(three));
	struct pollfd p = {.fd = c.done_fd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_int_equal(read(c.done_fd, &done, sizeof(done)), sizeof(done));
	assert_int_equal(c.total, 3);
	assert_false(pthread_equal(c.thread, pthread_self())); /* on the loop's thread */

	loop_stop(&loop);
	assert_false(loop.running);
	loop_destroy(&loop);
	assert_int_equal(loop_watch(&loop, c.fd, EPOLLIN, on_ready, &c, &err), -1);
	error_release(&err);
	close(c.fd);
	close(c.done_fd);
}

static void test_loop_destroy_unstarted(void **state)
{
	struct event_loop loop;
	struct error *err = NULL;
	assert_int_equal(loop_init(&loop, &err), 0);
	loop_destroy(&loop); /* never started: nothing to join */
	assert_int_equal(loop.epoll_fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop_dispatch),
		cmocka_unit_test(test_loop_destroy_unstarted),
	};
	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
