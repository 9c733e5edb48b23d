/* Logging: `--log FILE`, `--log-format text|json`, `--debug`.
 * Records at or above the threshold (debug with --debug, else warning) go to
 * the log file, or to stderr when there is none.  log_error_report() is the
 * one place a failed command's error reaches the user: the log file gets one
 * record, stderr gets the message. */
#ifndef VRUN_COMMON_LOG_H
#define VRUN_COMMON_LOG_H

#include <stdbool.h>

#include "common/error.h"

enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERROR };

int log_parse_format(const char *name, enum log_format *format, struct error **err);

/* Opens (appends to) path, or logs to stderr when path is NULL. */
int log_open(const char *path, enum log_format format, bool debug, struct error **err);
void log_close(void);
bool log_debug_enabled(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...)	 log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)	 log_msg(LOG_INFO, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)

void log_error_report(const struct error *err);

/* A warning a guest's input causes (a bad descriptor chain, say): each
 * call site reports its first LOG_GUEST_MAX, then says that the rest go
 * to --debug only, so that a hostile guest cannot flood the host's
 * logs. */
#define LOG_GUEST_MAX 5
void log_guest_at(unsigned *seen, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_guest(...)                                                                             \
	do {                                                                                       \
		static unsigned log_guest_seen_;                                                   \
		log_guest_at(&log_guest_seen_, __VA_ARGS__);                                       \
	} while (0)

#endif
