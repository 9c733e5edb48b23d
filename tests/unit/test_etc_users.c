/* /etc/passwd and /etc/group of a container's root: lookups by name and
 * id, group memberships, and the hostile lines an image may hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/etc_users.h"

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "broken:x:12\n"
			     "neg:x:-1:0::/neg:/bin/sh\n"
			     "user:x:1000:100:A User:/home/user:/bin/sh\n"
			     "dup:x:1000:7::/second:/bin/sh\n"
			     "last:x:2000:2000::/last:/bin/false"; /* no newline */

static FILE *text(const char *s)
{
	FILE *f = fmemopen((void *)s, strlen(s), "r");
	assert_non_null(f);
	return f;
}

static void test_passwd_by_name_and_id(void **state)
{
	struct etc_user u;
	FILE *f = text(passwd);
	assert_int_equal(etc_passwd_find(f, "user", 0, &u), 0);
	assert_string_equal(u.name, "user");
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 100);
	assert_string_equal(u.home, "/home/user");
	fclose(f);

	f = text(passwd); /* the first line with the id wins */
	assert_int_equal(etc_passwd_find(f, NULL, 1000, &u), 0);
	assert_string_equal(u.name, "user");
	fclose(f);

	f = text(passwd);
	assert_int_equal(etc_passwd_find(f, "last", 0, &u), 0);
	assert_string_equal(u.home, "/last");
	fclose(f);

	const char *missing[] = {"broken", "neg", "nobody", ""};
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		f = text(passwd);
		assert_int_equal(etc_passwd_find(f, missing[i], 0, &u), -1);
		fclose(f);
	}
	f = text(passwd);
	assert_int_equal(etc_passwd_find(f, NULL, 4242, &u), -1);
	fclose(f);
}

static void test_overlong_line_skipped(void **state)
{
	static char big[20000 + 200];
	memset(big, 'a', 20000);
	/* A 20000-byte line whose tail looks like an entry must not match. */
	strcpy(big + 20000, ":x:0:0::/evil:/bin/sh\nok:x:5:5::/ok:/bin/sh\n");
	struct etc_user u;
	FILE *f = text(big);
	assert_int_equal(etc_passwd_find(f, NULL, 0, &u), -1);
	fclose(f);
	f = text(big);
	assert_int_equal(etc_passwd_find(f, "ok", 0, &u), 0);
	assert_string_equal(u.home, "/ok");
	fclose(f);
}

static const char group[] = "root:x:0:\n"
			    "tty:x:5:\n"
			    "audio:x:29:user\n"
			    "staff:x:50:root,user,other\n"
			    "userish:x:51:users,use\n"
			    "bad:x:zz:user\n"
			    "users:x:100:";

static void test_group_find(void **state)
{
	uint32_t gid = 0;
	FILE *f = text(group);
	assert_int_equal(etc_group_find(f, "staff", &gid), 0);
	assert_int_equal(gid, 50);
	fclose(f);
	f = text(group);
	assert_int_equal(etc_group_find(f, "users", &gid), 0);
	assert_int_equal(gid, 100);
	fclose(f);
	f = text(group);
	assert_int_equal(etc_group_find(f, "bad", &gid), -1);
	fclose(f);
	f = text(group);
	assert_int_equal(etc_group_find(f, "nope", &gid), -1);
	fclose(f);
}

static void test_member_of(void **state)
{
	uint32_t gids[8];
	FILE *f = text(group);
	/* Whole names only ("users", "use" are not "user"); bad ids skipped. */
	assert_int_equal(etc_group_member_of(f, "user", gids, 8), 2);
	assert_int_equal(gids[0], 29);
	assert_int_equal(gids[1], 50);
	fclose(f);
	f = text(group);
	assert_int_equal(etc_group_member_of(f, "user", gids, 1), 1);
	fclose(f);
	f = text(group);
	assert_int_equal(etc_group_member_of(f, "nobody", gids, 8), 0);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passwd_by_name_and_id),
		cmocka_unit_test(test_overlong_line_skipped),
		cmocka_unit_test(test_group_find),
		cmocka_unit_test(test_member_of),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
