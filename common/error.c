/* The error object of error.h. */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *format_message(const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		return NULL;
	return msg;
}

int error_set(struct error **err, int errnum, const char *fmt, ...)
{
	struct error *e = calloc(1, sizeof(*e));
	va_list ap;
	char *msg;

	if (e == NULL)
		abort();
	va_start(ap, fmt);
	msg = format_message(fmt, ap);
	va_end(ap);
	if (msg == NULL)
		abort();
	if (errnum != 0) {
		char *with_reason = NULL;
		if (asprintf(&with_reason, "%s: %s", msg, strerror(errnum)) < 0)
			abort();
		free(msg);
		msg = with_reason;
	}
	e->errnum = errnum;
	e->msg = msg;
	if (*err != NULL)
		error_release(err);
	*err = e;
	return -1;
}

int error_set_kind(struct error **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = format_message(fmt, ap);
	va_end(ap);
	if (msg == NULL)
		abort();
	error_set(err, 0, "%s", msg);
	free(msg);
	(*err)->errnum = errnum;
	return -1;
}

int error_wrap(struct error **err, const char *fmt, ...)
{
	va_list ap;
	char *context, *msg = NULL;

	if (*err == NULL)
		return -1;
	va_start(ap, fmt);
	context = format_message(fmt, ap);
	va_end(ap);
	if (context == NULL || asprintf(&msg, "%s: %s", context, (*err)->msg) < 0)
		abort();
	free(context);
	free((*err)->msg);
	(*err)->msg = msg;
	return -1;
}

void error_release(struct error **err)
{
	if (*err == NULL)
		return;
	free((*err)->msg);
	free(*err);
	*err = NULL;
}
