/* Log records to a file or stderr, in logrus-style text or one JSON object
 * per line (the format runc's callers parse). */
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/json.h"
#include "common/timefmt.h"

static struct {
	int fd; /* -1: no log file, records go to stderr */
	enum log_format format;
	enum log_level threshold;
} logger = {.fd = -1, .format = LOG_FORMAT_TEXT, .threshold = LOG_WARNING};

static const char *const level_names[] = {
	[LOG_DEBUG] = "debug",
	[LOG_INFO] = "info",
	[LOG_WARNING] = "warning",
	[LOG_ERROR] = "error",
};

int log_parse_format(const char *name, enum log_format *format, struct error **err)
{
	if (strcmp(name, "text") == 0)
		*format = LOG_FORMAT_TEXT;
	else if (strcmp(name, "json") == 0)
		*format = LOG_FORMAT_JSON;
	else
		return error_set(err, 0, "--log-format: unknown format '%s' (text or json)", name);
	return 0;
}

int log_open(const char *path, enum log_format format, bool debug, struct error **err)
{
	logger.format = format;
	logger.threshold = debug ? LOG_DEBUG : LOG_WARNING;
	if (path == NULL || path[0] == '\0')
		return 0;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(err, errno, "open log file `%s`", path);
	log_close();
	logger.fd = fd;
	return 0;
}

void log_close(void)
{
	if (logger.fd >= 0)
		close(logger.fd);
	logger.fd = -1;
}

bool log_debug_enabled(void)
{
	return logger.threshold == LOG_DEBUG;
}

static char *record_json(enum log_level level, const char *msg, const char *time)
{
	yajl_gen g = json_gen_new(false);
	char *out;

	yajl_gen_map_open(g);
	json_put_key_string(g, "level", level_names[level]);
	json_put_key_string(g, "msg", msg);
	json_put_key_string(g, "time", time);
	yajl_gen_map_close(g);
	out = json_gen_take(g, true);
	yajl_gen_free(g);
	return out;
}

/* logrus quotes msg Go-style; escape what would break the line apart. */
static char *quote_text(const char *msg)
{
	char *out = malloc(strlen(msg) * 2 + 1), *p = out;
	if (out == NULL)
		abort();
	for (; *msg != '\0'; msg++) {
		if (*msg == '"' || *msg == '\\')
			*p++ = '\\';
		if (*msg == '\n') {
			*p++ = '\\';
			*p++ = 'n';
			continue;
		}
		*p++ = *msg;
	}
	*p = '\0';
	return out;
}

static char *record_text(enum log_level level, const char *msg, const char *time)
{
	char *out = NULL, *quoted = quote_text(msg);
	if (asprintf(&out, "time=\"%s\" level=%s msg=\"%s\"\n", time, level_names[level], quoted) <
	    0)
		abort();
	free(quoted);
	return out;
}

static void log_write_file(enum log_level level, const char *msg)
{
	char time[TIMEFMT_SIZE];
	char *record;

	timefmt_now(false, time);
	if (logger.format == LOG_FORMAT_JSON)
		record = record_json(level, msg, time);
	else
		record = record_text(level, msg, time);
	fs_write_all(logger.fd, record, strlen(record));
	free(record);
}

static void log_write_stderr(enum log_level level, const char *msg)
{
	char *line = NULL;
	int n = level == LOG_ERROR ? asprintf(&line, "vrun: %s\n", msg)
				   : asprintf(&line, "vrun: %s: %s\n", level_names[level], msg);
	if (n < 0)
		abort();
	fs_write_all(STDERR_FILENO, line, (size_t)n);
	free(line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (level < logger.threshold)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (logger.fd >= 0)
		log_write_file(level, msg);
	else
		log_write_stderr(level, msg);
	free(msg);
}

void log_guest_at(unsigned *seen, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	unsigned n = __atomic_add_fetch(seen, 1, __ATOMIC_RELAXED);
	enum log_level level = n <= LOG_GUEST_MAX ? LOG_WARNING : LOG_DEBUG;
	if (level < logger.threshold && n != LOG_GUEST_MAX + 1)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (level < logger.threshold)
		log_msg(LOG_WARNING,
			"%s (and more like it from the guest: those are logged with "
			"--debug only)",
			msg);
	else
		log_msg(level, "%s", msg);
	free(msg);
}

void log_error_report(const struct error *err)
{
	const char *msg = err != NULL ? err->msg : "unknown error";
	if (logger.fd >= 0)
		log_write_file(LOG_ERROR, msg);
	log_write_stderr(LOG_ERROR, msg);
}
