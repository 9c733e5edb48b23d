/* `vrun ps [--format table|json] ID`: the container's processes, asked of
 * the agent, with the pids the container sees (its init is 1: they live in
 * the guest, where host pids mean nothing).  json prints the pids as an
 * array, as runc does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/protocol.h"
#include "common/cleanup.h"
#include "runtime/agent_client.h"
#include "runtime/cli.h"
#include "runtime/container.h"

static void print(const char *lines, bool json)
{
	bool first = true;
	if (json)
		putchar('[');
	else
		printf("%-8s %s\n", "PID", "CMD");
	for (const char *line = lines; *line != '\0';) {
		const char *end = strchr(line, '\n');
		size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
		long pid = strtol(line, NULL, 10);
		const char *cmd = memchr(line, ' ', len);
		if (json)
			printf("%s%ld", first ? "" : ",", pid);
		else
			printf("%-8ld %.*s\n", pid, cmd != NULL ? (int)(line + len - cmd - 1) : 0,
			       cmd != NULL ? cmd + 1 : "");
		first = false;
		line += len + (end != NULL);
	}
	if (json)
		puts("]");
}

int cmd_ps(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	static const struct option options[] = {
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *format = "table";
	struct container c;
	int opt;
	while ((opt = cli_next_option(argc, argv, "+f:h", options, err)) != CLI_END) {
		if (opt < CLI_END)
			return cli_stop(opt);
		format = optarg;
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return error_set(err, 0, "ps: unknown format '%s' (table or json)", format);
	if (optind >= argc)
		return error_set(err, 0, "ps: expected a container id");
	if (container_open(ctx->root, argv[optind], false, &c, err) < 0) {
		container_close(&c);
		return -1;
	}
	const char *status = container_refresh_status(&c);
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/%s", ctx->root, c.id);
	int ret = 0;
	if (strcmp(status, STATUS_RUNNING) != 0 && strcmp(status, STATUS_CREATED) != 0) {
		ret = error_set_kind(err, EINVAL, "ps %s: container not running (it is %s)", c.id,
				     status);
	} else {
		cleanup_close int fd = agent_connect(dir, err);
		cleanup_free char *lines = NULL;
		size_t len;
		ret = fd < 0 ? -1 : agent_request_answer(fd, AGENT_PS, NULL, 0, &lines, &len, err);
		if (ret == 0)
			print(lines, strcmp(format, "json") == 0);
	}
	container_close(&c);
	return ret;
}
