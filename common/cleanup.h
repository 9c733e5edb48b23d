/* Cleanup attributes: a variable declared with one of these is released
 * when it goes out of scope, so failure paths need no goto ladder. */
#ifndef VRUN_COMMON_CLEANUP_H
#define VRUN_COMMON_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/error.h"

static inline void cleanup_free_ptr(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_close_fd(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_fclose_file(FILE **f)
{
	if (*f != NULL)
		fclose(*f);
}

static inline void cleanup_closedir_dir(DIR **d)
{
	if (*d != NULL)
		closedir(*d);
}

static inline void cleanup_error_ptr(struct error **err)
{
	error_release(err);
}

#define cleanup_free	 __attribute__((cleanup(cleanup_free_ptr)))
#define cleanup_close	 __attribute__((cleanup(cleanup_close_fd)))
#define cleanup_fclose	 __attribute__((cleanup(cleanup_fclose_file)))
#define cleanup_closedir __attribute__((cleanup(cleanup_closedir_dir)))
#define cleanup_error	 __attribute__((cleanup(cleanup_error_ptr)))

/* Hands ownership of a cleanup variable to the caller. */
#define steal_pointer(pp)                                                                          \
	({                                                                                         \
		__typeof__(*(pp)) stolen_ = *(pp);                                                 \
		*(pp) = NULL;                                                                      \
		stolen_;                                                                           \
	})

#define steal_fd(pfd)                                                                              \
	({                                                                                         \
		int stolen_fd_ = *(pfd);                                                           \
		*(pfd) = -1;                                                                       \
		stolen_fd_;                                                                        \
	})

#endif
