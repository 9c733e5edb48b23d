/* epoll event loop on its own thread. */
#include "vmm/loop.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "vmm/lockdown.h"

struct loop_watch {
	int fd;
	loop_handler handler;
	void *opaque;
	_Atomic bool dead; /* unwatched: freed by loop_sweep */
	struct loop_watch *next;
};

int loop_init(struct event_loop *loop, struct error **err)
{
	*loop = (struct event_loop){.epoll_fd = -1, .stop_fd = -1};
	pthread_mutex_init(&loop->lock, NULL);
	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epoll_fd < 0)
		return error_set(err, errno, "epoll_create1");
	loop->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->stop_fd < 0)
		return error_set(err, errno, "eventfd");
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->stop_fd, &ev) < 0)
		return error_set(err, errno, "epoll_ctl");
	return 0;
}

int loop_watch(struct event_loop *loop, int fd, uint32_t events, loop_handler handler, void *opaque,
	       struct error **err)
{
	return loop_watch_handle(loop, fd, events, handler, opaque, NULL, err);
}

int loop_watch_handle(struct event_loop *loop, int fd, uint32_t events, loop_handler handler,
		      void *opaque, struct loop_watch **watch, struct error **err)
{
	struct loop_watch *w = xcalloc(1, sizeof(*w));
	*w = (struct loop_watch){fd, handler, opaque, false, NULL};
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(w);
		return error_set(err, errno, "epoll_ctl add fd %d", fd);
	}
	pthread_mutex_lock(&loop->lock);
	w->next = loop->watches;
	loop->watches = w;
	pthread_mutex_unlock(&loop->lock);
	if (watch != NULL)
		*watch = w;
	return 0;
}

int loop_modify(struct event_loop *loop, struct loop_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	return epoll_ctl(loop->epoll_fd, EPOLL_CTL_MOD, w->fd, &ev);
}

/* The watch itself is freed by the loop thread after the batch it is
 * handling: an event for it may already sit in that batch. */
void loop_unwatch(struct event_loop *loop, struct loop_watch *w)
{
	epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = true;
}

/* On the loop thread, between batches: no event of a batch still to come
 * can name an unwatched fd, so its watch can go. */
static void loop_sweep(struct event_loop *loop)
{
	pthread_mutex_lock(&loop->lock);
	for (struct loop_watch **p = &loop->watches; *p != NULL;) {
		struct loop_watch *w = *p;
		if (w->dead) {
			*p = w->next;
			free(w);
		} else {
			p = &w->next;
		}
	}
	pthread_mutex_unlock(&loop->lock);
}

static void *loop_thread(void *arg)
{
	struct event_loop *loop = arg;
	struct epoll_event events[16];
	struct error *err = NULL;
	if (lockdown_thread(LOCKDOWN_LOOP, &err) < 0) {
		log_warning("%s", err->msg);
		error_release(&err);
		return NULL;
	}
	for (;;) {
		int n = epoll_wait(loop->epoll_fd, events, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		for (int i = 0; i < n; i++) {
			struct loop_watch *w = events[i].data.ptr;
			if (w == NULL)
				return NULL; /* the stop eventfd */
			if (!w->dead)
				w->handler(w->opaque, events[i].events);
		}
		loop_sweep(loop);
	}
}

int loop_start(struct event_loop *loop, struct error **err)
{
	int ret = pthread_create(&loop->thread, NULL, loop_thread, loop);
	if (ret != 0)
		return error_set(err, ret, "start the event loop");
	loop->running = true;
	return 0;
}

void loop_stop(struct event_loop *loop)
{
	if (!loop->running)
		return;
	uint64_t one = 1;
	if (write(loop->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(loop->thread, NULL);
	loop->running = false;
}

void loop_destroy(struct event_loop *loop)
{
	loop_stop(loop);
	for (struct loop_watch *w = loop->watches, *next; w != NULL; w = next) {
		next = w->next;
		free(w);
	}
	if (loop->epoll_fd >= 0)
		close(loop->epoll_fd);
	if (loop->stop_fd >= 0)
		close(loop->stop_fd);
	pthread_mutex_destroy(&loop->lock);
	*loop = (struct event_loop){.epoll_fd = -1, .stop_fd = -1};
}
