/* The error convention (STYLE.md): a function that can fail takes
 * `struct error **err`, returns a negative value, and leaves an error
 * object carrying errno and a message.  Callers add context on the way up
 * with error_wrap(); main prints it once. */
#ifndef VRUN_COMMON_ERROR_H
#define VRUN_COMMON_ERROR_H

struct error {
	int errnum; /* errno value, 0 when the failure is not a system error */
	char *msg;  /* the whole message, context first */
};

/* Sets *err (which must be NULL) and returns -1.  With errnum != 0 the
 * message ends with ": strerror(errnum)". */
int error_set(struct error **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like error_set, but errnum only classifies the error (callers test
 * err->errnum) and no strerror text is appended. */
int error_set_kind(struct error **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes the message of *err with "context: " and returns -1. */
int error_wrap(struct error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void error_release(struct error **err);

#endif
