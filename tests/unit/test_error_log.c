/* The error convention and the log: context added on the way up, one
 * record per failed command in the log file, the message on stderr. */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/timefmt.h"

static int inner(struct error **err)
{
	errno = ENOENT;
	return error_set(err, errno, "open `%s`", "/x/config.json");
}

static int outer(struct error **err)
{
	if (inner(err) < 0)
		return error_wrap(err, "create %s", "c1");
	return 0;
}

static void test_error_context(void **state)
{
	struct error *err = NULL;
	assert_int_equal(outer(&err), -1);
	assert_int_equal(err->errnum, ENOENT);
	assert_string_equal(err->msg,
			    "create c1: open `/x/config.json`: No such file or directory");
	error_release(&err);
	assert_null(err);

	assert_int_equal(error_set_kind(&err, ENOENT, "container \"%s\" does not exist", "x"), -1);
	assert_int_equal(err->errnum, ENOENT);
	assert_string_equal(err->msg, "container \"x\" does not exist");
	/* A second error replaces the first rather than leaking it. */
	error_set(&err, 0, "second");
	assert_string_equal(err->msg, "second");
	assert_int_equal(err->errnum, 0);
	error_release(&err);
}

static void test_timefmt(void **state)
{
	char buf[TIMEFMT_SIZE];
	struct timespec ts = {.tv_sec = 1795725901, .tv_nsec = 5};
	timefmt_rfc3339(&ts, false, buf);
	assert_string_equal(buf, "2026-11-26T20:45:01Z");
	timefmt_rfc3339(&ts, true, buf);
	assert_string_equal(buf, "2026-11-26T20:45:01.000000005Z");
}

/* Runs fn with stderr sent to a file; returns what it wrote. */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/vrun-stderr-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	fn(arg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	char *text = NULL;
	struct error *err = NULL;
	assert_int_equal(fs_read_file_at(AT_FDCWD, path, path, 1 << 20, &text, NULL, &err), 0);
	unlink(path);
	return text;
}

static void report(void *arg)
{
	log_error_report(arg);
}

static void test_json_error_record(void **state)
{
	char path[] = "/tmp/vrun-log-XXXXXX";
	struct error *err = NULL;
	close(mkstemp(path));
	assert_int_equal(log_open(path, LOG_FORMAT_JSON, false, &err), 0);
	log_debug("not written without --debug");
	error_set(&err, 0, "create c1: \"quoted\" reason");
	cleanup_free char *out = capture_stderr(report, err);
	log_close();
	assert_string_equal(out, "vrun: create c1: \"quoted\" reason\n");

	cleanup_free char *text = NULL;
	size_t len;
	assert_int_equal(fs_read_file_at(AT_FDCWD, path, path, 1 << 20, &text, &len, &err), 0);
	unlink(path);
	/* Exactly one line, and it is one JSON object. */
	assert_non_null(strchr(text, '\n'));
	assert_int_equal(strchr(text, '\n') - text, (long)len - 1);
	yajl_val tree = yajl_tree_parse(text, NULL, 0);
	assert_non_null(tree);
	assert_true(YAJL_IS_OBJECT(tree));
	assert_int_equal(tree->u.object.len, 3);
	const char *level[] = {"level", NULL}, *msg[] = {"msg", NULL}, *time[] = {"time", NULL};
	assert_string_equal(YAJL_GET_STRING(yajl_tree_get(tree, level, yajl_t_string)), "error");
	assert_string_equal(YAJL_GET_STRING(yajl_tree_get(tree, msg, yajl_t_string)),
			    "create c1: \"quoted\" reason");
	regex_t re;
	assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	assert_int_equal(
		regexec(&re, YAJL_GET_STRING(yajl_tree_get(tree, time, yajl_t_string)), 0, NULL, 0),
		0);
	regfree(&re);
	yajl_tree_free(tree);
	error_release(&err);
}

static void test_text_records_and_debug(void **state)
{
	char path[] = "/tmp/vrun-log-XXXXXX";
	struct error *err = NULL;
	close(mkstemp(path));
	assert_int_equal(log_open(path, LOG_FORMAT_TEXT, true, &err), 0);
	assert_true(log_debug_enabled());
	log_debug("state root %s", "/run/vrun");
	log_warning("a \"quoted\"\nthing");
	log_close();
	cleanup_free char *text = NULL;
	assert_int_equal(fs_read_file_at(AT_FDCWD, path, path, 1 << 20, &text, NULL, &err), 0);
	unlink(path);
	regex_t re;
	assert_int_equal(regcomp(&re,
				 "^time=\"[-0-9T:]+Z\" level=debug msg=\"state root /run/vrun\"\n"
				 "time=\"[-0-9T:]+Z\" level=warning msg=\"a "
				 "\\\\\"quoted\\\\\"\\\\nthing\"\n$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	if (regexec(&re, text, 0, NULL, 0) != 0)
		fail_msg("unexpected log text: %s", text);
	regfree(&re);
	log_open(NULL, LOG_FORMAT_TEXT, false, &err);
	assert_false(log_debug_enabled());
}

/* A guest's bad input: the first five from a call site are warnings, the
 * sixth says the rest go to --debug, and the rest are not shown. */
static void test_guest_warnings_limited(void **state)
{
	char path[] = "/tmp/vrun-log-XXXXXX";
	struct error *err = NULL;
	close(mkstemp(path));
	assert_int_equal(log_open(path, LOG_FORMAT_TEXT, false, &err), 0);
	for (int i = 1; i <= 20; i++)
		log_guest("bad request %d", i);
	log_close();
	cleanup_free char *text = NULL;
	assert_int_equal(fs_read_file_at(AT_FDCWD, path, path, 1 << 20, &text, NULL, &err), 0);
	unlink(path);
	int lines = 0;
	for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, 6);
	assert_non_null(strstr(text, "msg=\"bad request 5\""));
	assert_non_null(strstr(text, "msg=\"bad request 6 (and more like it from the guest: those "
				     "are logged with --debug only)\""));
	assert_null(strstr(text, "bad request 7"));
	log_open(NULL, LOG_FORMAT_TEXT, false, &err);
}

static void test_bad_log_options(void **state)
{
	struct error *err = NULL;
	enum log_format f;
	assert_int_equal(log_parse_format("json", &f, &err), 0);
	assert_int_equal(f, LOG_FORMAT_JSON);
	assert_int_equal(log_parse_format("xml", &f, &err), -1);
	assert_string_equal(err->msg, "--log-format: unknown format 'xml' (text or json)");
	error_release(&err);
	assert_int_equal(log_open("/nonexistent/dir/log", LOG_FORMAT_JSON, false, &err), -1);
	assert_string_equal(err->msg,
			    "open log file `/nonexistent/dir/log`: No such file or directory");
	error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_context),
		cmocka_unit_test(test_timefmt),
		cmocka_unit_test(test_json_error_record),
		cmocka_unit_test(test_text_records_and_debug),
		cmocka_unit_test(test_guest_warnings_limited),
		cmocka_unit_test(test_bad_log_options),
	};
	return cmocka_run_group_tests_name("error-log", tests, NULL, NULL);
}
