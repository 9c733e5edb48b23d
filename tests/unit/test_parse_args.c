/* Signal names and numbers for `kill`, and container ids. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/container_id.h"
#include "runtime/signal.h"

static int parse(const char *text)
{
	struct error *err = NULL;
	int n = -1;
	if (signal_parse(text, &n, &err) < 0) {
		assert_int_equal(err->errnum, EINVAL);
		error_release(&err);
		return -1;
	}
	return n;
}

static void test_signal_numbers(void **state)
{
	assert_int_equal(parse("9"), 9);
	assert_int_equal(parse("15"), 15);
	assert_int_equal(parse("1"), 1);
	assert_int_equal(parse("64"), 64);
	assert_int_equal(parse("0"), -1);
	assert_int_equal(parse("65"), -1);
	assert_int_equal(parse("-9"), -1);
	assert_int_equal(parse("9x"), -1);
	assert_int_equal(parse(""), -1);
	assert_int_equal(parse("99999999999999999999"), -1);
}

static void test_signal_names(void **state)
{
	assert_int_equal(parse("KILL"), 9);
	assert_int_equal(parse("SIGKILL"), 9);
	assert_int_equal(parse("kill"), 9);
	assert_int_equal(parse("sigterm"), 15);
	assert_int_equal(parse("SigHup"), 1);
	assert_int_equal(parse("TERM"), 15);
	assert_int_equal(parse("USR1"), 10);
	assert_int_equal(parse("SIGUSR2"), 12);
	assert_int_equal(parse("WINCH"), 28);
	assert_int_equal(parse("CHLD"), 17);
	assert_int_equal(parse("SIGCLD"), 17);
	assert_int_equal(parse("IOT"), 6);
	assert_int_equal(parse("SIGSYS"), 31);
	assert_int_equal(parse("RTMIN"), 32);
	assert_int_equal(parse("SIGRTMIN+2"), 34);
	assert_int_equal(parse("RTMAX"), 64);
	assert_int_equal(parse("rtmax-4"), 60);
	assert_int_equal(parse("RTMIN+40"), -1);
	assert_int_equal(parse("SIG"), -1);
	assert_int_equal(parse("SIGFOO"), -1);
	assert_int_equal(parse("KILLX"), -1);
}

static void test_signal_error_message(void **state)
{
	struct error *err = NULL;
	int n;
	assert_int_equal(signal_parse("SIGFOO", &n, &err), -1);
	assert_string_equal(err->msg, "invalid signal 'SIGFOO'");
	error_release(&err);
	assert_int_equal(signal_parse("65", &n, &err), -1);
	assert_string_equal(err->msg, "invalid signal '65': must be 1 to 64");
	error_release(&err);
}

static bool valid_id(const char *id)
{
	struct error *err = NULL;
	if (container_id_validate(id, &err) == 0)
		return true;
	assert_non_null(strstr(err->msg, "invalid container id"));
	error_release(&err);
	return false;
}

static void test_container_ids(void **state)
{
	char longest[CONTAINER_ID_MAX + 2];
	assert_true(valid_id("a"));
	assert_true(valid_id("my-container_1.2+x"));
	assert_true(valid_id("..."));
	assert_true(valid_id(".hidden"));
	assert_true(valid_id("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
	assert_false(valid_id(""));
	assert_false(valid_id("."));
	assert_false(valid_id(".."));
	assert_false(valid_id("a/b"));
	assert_false(valid_id("../etc"));
	assert_false(valid_id("a b"));
	assert_false(valid_id("a:b"));
	assert_false(valid_id("ä"));
	assert_false(valid_id("a\nb"));
	memset(longest, 'x', CONTAINER_ID_MAX);
	longest[CONTAINER_ID_MAX] = '\0';
	assert_true(valid_id(longest));
	longest[CONTAINER_ID_MAX] = 'x';
	longest[CONTAINER_ID_MAX + 1] = '\0';
	assert_false(valid_id(longest));
}

static void test_container_id_message(void **state)
{
	struct error *err = NULL;
	assert_int_equal(container_id_validate("ab/c", &err), -1);
	assert_string_equal(
		err->msg,
		"invalid container id 'ab/c': character 3 is not one of A-Z a-z 0-9 _ + . -");
	error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signal_numbers),	     cmocka_unit_test(test_signal_names),
		cmocka_unit_test(test_signal_error_message), cmocka_unit_test(test_container_ids),
		cmocka_unit_test(test_container_id_message),
	};
	return cmocka_run_group_tests_name("parse-args", tests, NULL, NULL);
}
