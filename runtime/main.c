/* vrun: an OCI runtime that runs each container in its own KVM microVM.
 * main parses the global options, opens the log, runs one verb from the
 * command table, and reports its error once. */
#include <getopt.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/log.h"
#include "runtime/cli.h"
#include "runtime/passed_fds.h"
#include "runtime/statedir.h"

struct global_options {
	struct vrun_context ctx;
	const char *log_path;
	enum log_format log_format;
	bool help;
	bool version;
};

static void print_help(void)
{
	printf("usage: vrun [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
	       "An OCI runtime that runs each container in its own KVM microVM.\n\n"
	       "Commands:\n");
	for (const struct command *c = commands; c->name != NULL; c++)
		printf("  %-10s %s\n", c->name, c->summary);
	printf("\nGlobal options:\n"
	       "  --root DIR             state directory (default /run/vrun for root,\n"
	       "                         $XDG_RUNTIME_DIR/vrun otherwise)\n"
	       "  --log FILE             write log records to FILE\n"
	       "  --log-format FORMAT    text (default) or json\n"
	       "  --debug                log debug records\n"
	       "  --systemd-cgroup       accepted (cgroups via systemd)\n"
	       "  --cgroup-manager NAME  accepted (cgroupfs or systemd)\n"
	       "  --vmm-user USER[:GROUP]  the VMM's threads run as USER once set up\n"
	       "                         (a name or uid of the host's; GROUP: its own)\n"
	       "  -v, --version          print the version\n"
	       "  -h, --help             print this help\n");
}

static int parse_global(int argc, char **argv, struct global_options *g, struct error **err)
{
	enum {
		OPT_ROOT = 256,
		OPT_LOG,
		OPT_LOG_FORMAT,
		OPT_DEBUG,
		OPT_SYSTEMD,
		OPT_CGROUP_MGR,
		OPT_VMM_USER
	};
	static const struct option options[] = {
		{"root", required_argument, NULL, OPT_ROOT},
		{"log", required_argument, NULL, OPT_LOG},
		{"log-format", required_argument, NULL, OPT_LOG_FORMAT},
		{"debug", no_argument, NULL, OPT_DEBUG},
		{"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
		{"cgroup-manager", required_argument, NULL, OPT_CGROUP_MGR},
		{"vmm-user", required_argument, NULL, OPT_VMM_USER},
		{"version", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int opt;

	/* '+': stop at the verb; its options are its own. */
	while ((opt = cli_next_option(argc, argv, "+vh", options, err)) != CLI_END) {
		switch (opt) {
		case CLI_ERROR:
			return -1;
		case OPT_ROOT:
			g->ctx.root = optarg;
			break;
		case OPT_LOG:
			g->log_path = optarg;
			break;
		case OPT_LOG_FORMAT:
			if (log_parse_format(optarg, &g->log_format, err) < 0)
				return -1;
			break;
		case OPT_DEBUG:
			g->ctx.debug = true;
			break;
		case OPT_SYSTEMD:
			g->ctx.systemd_cgroup = true;
			break;
		case OPT_CGROUP_MGR:
			g->ctx.cgroup_manager = optarg;
			break;
		case OPT_VMM_USER:
			g->ctx.vmm_user = optarg;
			break;
		case 'v':
			g->version = true;
			break;
		case CLI_HELP:
			g->help = true;
			break;
		}
	}
	return 0;
}

static int run(int argc, char **argv, int *exit_status, struct error **err)
{
	struct global_options g = {.log_format = LOG_FORMAT_TEXT, .ctx.exit_status = -1};
	char default_root[4096];

	if (parse_global(argc, argv, &g, err) < 0)
		return -1;
	if (log_open(g.log_path, g.log_format, g.ctx.debug, err) < 0)
		return -1;
	g.ctx.log_path = g.log_path;
	g.ctx.log_format = g.log_format;
	if (g.version) {
		fputs(vrun_version_text(), stdout);
		return 0;
	}
	if (g.help || optind >= argc) {
		print_help();
		return g.help ? 0 : error_set(err, 0, "no command given (see vrun --help)");
	}
	statedir_default_root(default_root, sizeof(default_root));
	if (g.ctx.root == NULL)
		g.ctx.root = default_root;
	/* Absolute: the VMM finds its state dir by this path from a root of
	 * its own (supervisor.c, confine_mounts). */
	char cwd[4096], absolute_root[8192];
	if (g.ctx.root[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL) {
		snprintf(absolute_root, sizeof(absolute_root), "%s/%s", cwd, g.ctx.root);
		g.ctx.root = absolute_root;
	}

	const struct command *cmd = command_find(argv[optind]);
	if (cmd == NULL)
		return error_set(err, 0, "unknown command '%s' (see vrun --help)", argv[optind]);
	log_debug("%s: state root %s", cmd->name, g.ctx.root);

	int verb_argc = argc - optind;
	char **verb_argv = argv + optind;
	optind = 0; /* glibc: restart getopt for the verb's own argv */
	int ret = cmd->run(&g.ctx, verb_argc, verb_argv, err);
	*exit_status = g.ctx.exit_status;
	return ret;
}

int main(int argc, char **argv)
{
	struct error *err = NULL;

	/* A caller may start vrun with a standard stream closed; the first
	 * file vrun opens would then become that stream (and, in the VMM, be
	 * relayed to the container as its stdin or stdout). */
	fs_stdio_to_null();
	/* Likewise for fds 3 and up: which the caller passed (--preserve-fds)
	 * is decided by what was open before vrun opened anything. */
	passed_fds_note_open();
	int status = EXIT_SUCCESS, verb_status = -1;

	if (run(argc, argv, &verb_status, &err) < 0) {
		log_error_report(err);
		error_release(&err);
		status = EXIT_FAILURE;
	}
	if (verb_status >= 0)
		status = verb_status;
	if (fflush(stdout) != 0)
		status = EXIT_FAILURE;
	log_close();
	return status;
}
