/* Signal parsing.  The numbers are Linux x86-64's, which is also what the
 * guest kernel uses; SIGRTMIN is the kernel's 32, not glibc's 34. */
#include "runtime/signal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KERNEL_SIGRTMIN 32

static const struct {
	const char *name;
	int number;
} signal_names[] = {
	{"HUP", 1},
	{"INT", 2},
	{"QUIT", 3},
	{"ILL", 4},
	{"TRAP", 5},
	{"ABRT", 6},
	{"IOT", 6},
	{"BUS", 7},
	{"FPE", 8},
	{"KILL", 9},
	{"USR1", 10},
	{"SEGV", 11},
	{"USR2", 12},
	{"PIPE", 13},
	{"ALRM", 14},
	{"TERM", 15},
	{"STKFLT", 16},
	{"CHLD", 17},
	{"CLD", 17},
	{"CONT", 18},
	{"STOP", 19},
	{"TSTP", 20},
	{"TTIN", 21},
	{"TTOU", 22},
	{"URG", 23},
	{"XCPU", 24},
	{"XFSZ", 25},
	{"VTALRM", 26},
	{"PROF", 27},
	{"WINCH", 28},
	{"IO", 29},
	{"POLL", 29},
	{"PWR", 30},
	{"SYS", 31},
	{"RTMIN", KERNEL_SIGRTMIN},
	{"RTMAX", SIGNAL_MAX},
};

static int parse_decimal(const char *text, int *out)
{
	if (text[0] < '0' || text[0] > '9' || strlen(text) > 3)
		return -1;
	char *end;
	long n = strtol(text, &end, 10);
	if (*end != '\0')
		return -1;
	*out = (int)n;
	return 0;
}

/* "RTMIN+3", "RTMAX-2". */
static int parse_realtime(const char *name, int *out)
{
	int offset;
	if (strncasecmp(name, "RTMIN+", 6) == 0 && parse_decimal(name + 6, &offset) == 0) {
		*out = KERNEL_SIGRTMIN + offset;
		return 0;
	}
	if (strncasecmp(name, "RTMAX-", 6) == 0 && parse_decimal(name + 6, &offset) == 0) {
		*out = SIGNAL_MAX - offset;
		return 0;
	}
	return -1;
}

int signal_parse(const char *text, int *signum, struct error **err)
{
	int n = -1;
	if (parse_decimal(text, &n) < 0) {
		const char *name = strncasecmp(text, "SIG", 3) == 0 ? text + 3 : text;
		for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
			if (strcasecmp(name, signal_names[i].name) == 0)
				n = signal_names[i].number;
		if (n < 0 && parse_realtime(name, &n) < 0)
			return error_set_kind(err, EINVAL, "invalid signal '%s'", text);
	}
	if (n < 1 || n > SIGNAL_MAX)
		return error_set_kind(err, EINVAL, "invalid signal '%s': must be 1 to %d", text,
				      SIGNAL_MAX);
	*signum = n;
	return 0;
}
