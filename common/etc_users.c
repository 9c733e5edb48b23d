/* /etc/passwd and /etc/group lines. */
#include "common/etc_users.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/beneath.h"

#define LINE_MAX_LEN 8192

FILE *etc_open(int root, const char *file)
{
	int fd = beneath_open(root, file, O_RDONLY);
	FILE *f = fd >= 0 ? fdopen(fd, "re") : NULL;
	if (f == NULL && fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return f;
}

/* The next whole line (without its newline), or false at the end.  A line
 * longer than the buffer is skipped. */
static bool next_line(FILE *f, char *line, size_t size)
{
	while (fgets(line, (int)size, f) != NULL) {
		size_t len = strlen(line);
		if (len > 0 && line[len - 1] == '\n') {
			line[len - 1] = '\0';
			return true;
		}
		if (feof(f))
			return true;
		int c;
		while ((c = getc(f)) != EOF && c != '\n')
			;
	}
	return false;
}

/* Splits at ':' into at most n fields (empty ones kept); how many. */
static size_t split(char *line, char **fields, size_t n)
{
	size_t count = 0;
	while (count < n) {
		fields[count++] = line;
		char *colon = strchr(line, ':');
		if (colon == NULL)
			break;
		*colon = '\0';
		line = colon + 1;
	}
	return count;
}

bool etc_parse_id(const char *text, uint32_t *id)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v > UINT32_MAX - 1 || text[0] == '-')
		return false;
	*id = (uint32_t)v;
	return true;
}

int etc_passwd_find(FILE *passwd, const char *name, uint32_t uid, struct etc_user *out)
{
	char line[LINE_MAX_LEN];
	while (next_line(passwd, line, sizeof(line))) {
		char *f[7];
		uint32_t id, gid;
		if (split(line, f, 7) < 7 || !etc_parse_id(f[2], &id) || !etc_parse_id(f[3], &gid))
			continue;
		if (name != NULL ? strcmp(f[0], name) != 0 : id != uid)
			continue;
		if (strlen(f[0]) >= sizeof(out->name) || strlen(f[5]) >= sizeof(out->home))
			continue;
		strcpy(out->name, f[0]);
		strcpy(out->home, f[5]);
		out->uid = id;
		out->gid = gid;
		return 0;
	}
	return -1;
}

int etc_group_find(FILE *group, const char *name, uint32_t *gid)
{
	char line[LINE_MAX_LEN];
	while (next_line(group, line, sizeof(line))) {
		char *f[4];
		uint32_t id;
		if (split(line, f, 4) >= 3 && strcmp(f[0], name) == 0 && etc_parse_id(f[2], &id)) {
			*gid = id;
			return 0;
		}
	}
	return -1;
}

size_t etc_group_member_of(FILE *group, const char *user, uint32_t *gids, size_t max)
{
	char line[LINE_MAX_LEN];
	size_t n = 0;
	while (n < max && next_line(group, line, sizeof(line))) {
		char *f[4];
		uint32_t id;
		if (split(line, f, 4) < 4 || !etc_parse_id(f[2], &id))
			continue;
		for (char *save, *m = strtok_r(f[3], ",", &save); m != NULL;
		     m = strtok_r(NULL, ",", &save)) {
			if (strcmp(m, user) == 0) {
				gids[n++] = id;
				break;
			}
		}
	}
	return n;
}
