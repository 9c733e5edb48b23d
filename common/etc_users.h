/* Users and groups of a root filesystem: lines of its /etc/passwd and
 * /etc/group (name:password:id:...), read from a stream the caller opened
 * beneath that root.  The files are the image's, so hostile: overlong
 * lines are skipped, missing fields make a line not match. */
#ifndef VRUN_COMMON_ETC_USERS_H
#define VRUN_COMMON_ETC_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ETC_NAME_MAX 256

struct etc_user {
	char name[ETC_NAME_MAX];
	uint32_t uid, gid;
	char home[4096];
};

/* A user or group id as those files and `USER:GROUP` specs write it: a
 * decimal number below 2^32 - 1 (that one is "no id"). */
bool etc_parse_id(const char *text, uint32_t *id);

/* `file` ("etc/passwd") of the root filesystem `root`, opened beneath it
 * (a hostile image's symlinks cannot point it at the host's); NULL and
 * errno when it cannot be. */
FILE *etc_open(int root, const char *file);

/* The passwd entry named `name`, or (`name` NULL) the first with `uid`;
 * 0, or -1 when there is none. */
int etc_passwd_find(FILE *passwd, const char *name, uint32_t uid, struct etc_user *out);

/* The id of the group named `name`; 0, or -1 when there is none. */
int etc_group_find(FILE *group, const char *name, uint32_t *gid);

/* The ids of the groups whose member lists name `user`, at most `max`;
 * how many there are. */
size_t etc_group_member_of(FILE *group, const char *user, uint32_t *gids, size_t max);

#endif
