/* The VMM's event loop: one thread waiting in epoll on the device
 * backends' file descriptors (virtio queue notifications through
 * ioeventfd, later sockets and taps), so that vCPUs never wait on I/O. */
#ifndef VRUN_VMM_LOOP_H
#define VRUN_VMM_LOOP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

typedef void (*loop_handler)(void *opaque, uint32_t events);

struct loop_watch;

struct event_loop {
	int epoll_fd;
	int stop_fd; /* eventfd: wakes the thread to stop */
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;	    /* guards the watches list */
	struct loop_watch *watches; /* owned; freed by loop_destroy */
};

int loop_init(struct event_loop *loop, struct error **err);
/* Calls handler(opaque, events) on the loop thread when fd is ready.
 * `watch`, when not NULL, receives a handle for loop_modify/loop_unwatch. */
int loop_watch(struct event_loop *loop, int fd, uint32_t events, loop_handler handler, void *opaque,
	       struct error **err);
int loop_watch_handle(struct event_loop *loop, int fd, uint32_t events, loop_handler handler,
		      void *opaque, struct loop_watch **watch, struct error **err);
/* Changes the events a watch waits for. */
int loop_modify(struct event_loop *loop, struct loop_watch *watch, uint32_t events);
/* Stops watching (the fd stays open; the caller closes it).  Safe from
 * inside a handler: no handler runs for it again. */
void loop_unwatch(struct event_loop *loop, struct loop_watch *watch);
int loop_start(struct event_loop *loop, struct error **err);
/* Stops the thread (if started) and waits for it. */
void loop_stop(struct event_loop *loop);
void loop_destroy(struct event_loop *loop);

#endif
