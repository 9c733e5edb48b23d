/* Signal names and numbers for `kill`: decimal numbers, names with or
 * without SIG, any case, and RTMIN+n / RTMAX-n. */
#ifndef VRUN_RUNTIME_SIGNAL_H
#define VRUN_RUNTIME_SIGNAL_H

#include "common/error.h"

/* The highest signal number Linux delivers (SIGRTMAX of the kernel). */
#define SIGNAL_MAX 64

int signal_parse(const char *text, int *signum, struct error **err);

#endif
