/* `vrun list [--format table|json] [--quiet]`: every container under the
 * state root, as runc prints them. */
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "runtime/cli.h"
#include "runtime/container.h"
#include "runtime/container_id.h"
#include "common/xalloc.h"

enum list_format { LIST_TABLE, LIST_JSON, LIST_QUIET };

struct listing {
	struct container *items;
	size_t len;
};

static int compare_ids(const void *a, const void *b)
{
	return strcmp(((const struct container *)a)->id, ((const struct container *)b)->id);
}

/* runc names the owner after the uid that owns the container directory. */
static void fill_owner(struct container *c)
{
	struct stat st;
	char buf[32];
	const char *name = buf;
	if (fstat(c->dirfd, &st) < 0)
		return;
	struct passwd *pw = getpwuid(st.st_uid);
	if (pw != NULL)
		name = pw->pw_name;
	else
		snprintf(buf, sizeof(buf), "#%u", (unsigned)st.st_uid);
	free(c->record.state.owner);
	c->record.state.owner = xstrdup(name);
}

static int collect(const char *root, struct listing *out, struct error **err)
{
	cleanup_closedir DIR *dir = opendir(root);
	struct dirent *de;

	if (dir == NULL)
		return errno == ENOENT ? 0 : error_set(err, errno, "open state root `%s`", root);
	while ((de = readdir(dir)) != NULL) {
		struct error *skip = NULL;
		struct container c;
		if (de->d_name[0] == '.' || container_id_validate(de->d_name, &skip) < 0) {
			error_release(&skip);
			continue;
		}
		if (container_open(root, de->d_name, false, &c, &skip) < 0) {
			/* A create in progress, or a damaged record: say so, go on. */
			if (skip->errnum != ENOENT && skip->errnum != ENOTDIR)
				log_warning("list: %s", skip->msg);
			error_release(&skip);
			container_close(&c);
			continue;
		}
		container_refresh_status(&c);
		fill_owner(&c);
		out->items = xrealloc(out->items, (out->len + 1) * sizeof(c));
		out->items[out->len++] = c;
	}
	if (out->len > 1) /* (items is NULL with none, which qsort may not take) */
		qsort(out->items, out->len, sizeof(*out->items), compare_ids);
	return 0;
}

enum { COLUMNS = 6 };

/* Row 0 is the header; row i > 0 is container i - 1. */
static void table_row(const struct listing *l, size_t row, char pid[24], const char *cells[COLUMNS])
{
	static const char *const headers[COLUMNS] = {"ID",     "PID",	  "STATUS",
						     "BUNDLE", "CREATED", "OWNER"};
	if (row == 0) {
		memcpy(cells, headers, sizeof(headers));
		return;
	}
	const struct oci_state *s = &l->items[row - 1].record.state;
	snprintf(pid, 24, "%lld", (long long)s->pid);
	cells[0] = s->id;
	cells[1] = pid;
	cells[2] = s->status;
	cells[3] = s->bundle;
	cells[4] = s->created != NULL ? s->created : "";
	cells[5] = s->owner != NULL ? s->owner : "";
}

/* Go's text/tabwriter as runc uses it: minimum width 12, padding 1. */
static void print_table(const struct listing *l)
{
	size_t width[COLUMNS] = {0};
	const char *cells[COLUMNS];
	char pid[24];

	for (size_t row = 0; row <= l->len; row++) {
		table_row(l, row, pid, cells);
		for (int col = 0; col < COLUMNS; col++)
			if (strlen(cells[col]) + 1 > width[col])
				width[col] = strlen(cells[col]) + 1;
	}
	for (size_t row = 0; row <= l->len; row++) {
		table_row(l, row, pid, cells);
		for (int col = 0; col < COLUMNS - 1; col++)
			printf("%-*s", (int)(width[col] < 12 ? 12 : width[col]), cells[col]);
		printf("%s\n", cells[COLUMNS - 1]);
	}
}

static void print_json(const struct listing *l)
{
	yajl_gen g = json_gen_new(false);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < l->len; i++)
		oci_state_write(&l->items[i].record.state, g);
	yajl_gen_array_close(g);
	cleanup_free char *text = json_gen_take(g, true);
	yajl_gen_free(g);
	fputs(text, stdout);
}

static int parse_options(int argc, char **argv, enum list_format *format, struct error **err)
{
	static const struct option options[] = {
		{"format", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int opt;
	while ((opt = cli_next_option(argc, argv, "f:qh", options, err)) != CLI_END) {
		if (opt < CLI_END)
			return opt;
		if (opt == 'q')
			*format = LIST_QUIET;
		if (opt == 'f' && strcmp(optarg, "json") == 0)
			*format = LIST_JSON;
		else if (opt == 'f' && strcmp(optarg, "table") != 0)
			return error_set(err, 0, "list: unknown format '%s' (table or json)",
					 optarg);
	}
	return cli_expect_args(argc, argv, 0, "", err) < 0 ? CLI_ERROR : 0;
}

int cmd_list(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	enum list_format format = LIST_TABLE;
	struct listing l = {NULL, 0};
	int ret = parse_options(argc, argv, &format, err);

	if (ret != 0)
		return cli_stop(ret);
	ret = collect(ctx->root, &l, err);
	if (ret == 0 && format == LIST_JSON)
		print_json(&l);
	else if (ret == 0 && format == LIST_QUIET)
		for (size_t i = 0; i < l.len; i++)
			printf("%s\n", l.items[i].id);
	else if (ret == 0)
		print_table(&l);
	for (size_t i = 0; i < l.len; i++)
		container_close(&l.items[i]);
	free(l.items);
	return ret;
}
