/* Allocation that cannot fail: out of memory aborts.  For the small,
 * bounded allocations of a short-lived CLI process, where a failure path
 * per strdup would only obscure the code. */
#ifndef VRUN_COMMON_XALLOC_H
#define VRUN_COMMON_XALLOC_H

#include <stdlib.h>
#include <string.h>

static inline void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);
	if (p == NULL)
		abort();
	return p;
}

static inline void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size == 0 ? 1 : size);
	if (p == NULL)
		abort();
	return p;
}

static inline char *xstrdup(const char *s)
{
	char *copy = strdup(s);
	if (copy == NULL)
		abort();
	return copy;
}

static inline char *xstrndup(const char *s, size_t n)
{
	char *copy = strndup(s, n);
	if (copy == NULL)
		abort();
	return copy;
}

#endif
