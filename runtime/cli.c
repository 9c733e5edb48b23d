/* The verb table and option helpers shared by the verbs. */
#include "runtime/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const struct command commands[] = {
	{"spec", cmd_spec, "spec [--bundle DIR] [--rootless]", "write a default config.json"},
	{"create", cmd_create,
	 "create --bundle DIR [--pid-file F] [--console-socket S] [--pool] ID",
	 "create a container (boot its microVM)"},
	{"start", cmd_start, "start ID", "start the process of a created container"},
	{"run", cmd_run,
	 "run [--bundle DIR | --image SRC [--rm]] [--detach] [--pid-file F] [--pool] ID [CMD...]",
	 "create, start and wait"},
	{"state", cmd_state, "state ID", "print the state of a container as JSON"},
	{"list", cmd_list, "list [--format table|json] [--quiet]", "list containers"},
	{"kill", cmd_kill, "kill [--all] ID [SIGNAL]", "send a signal to a container"},
	{"delete", cmd_delete, "delete [--force] ID", "delete a container and what it holds"},
	{"exec", cmd_exec, "exec [--process F] [--detach] [--pid-file F] ID [CMD...]",
	 "run another process in a container"},
	{"ps", cmd_ps, "ps [--format table|json] ID", "list the processes of a container"},
	{"pause", cmd_pause, "pause ID", "pause a container's microVM"},
	{"resume", cmd_resume, "resume ID", "resume a paused container"},
	{"update", cmd_update, "update --resources FILE|- ID", "change a container's resources"},
	{"features", cmd_features, "features", "print what this runtime supports as JSON"},
	{"check", cmd_check, "check [--kernel PATH]", "check that this host can run microVMs"},
	{"image", cmd_image, "image unpack [--quiet] SRC[:TAG|@sha256:DIGEST] BUNDLE",
	 "unpack an OCI layout, oci-archive or docker-archive to a bundle"},
	{"pool", cmd_pool, "pool fill N | drain | status",
	 "VMs booted ahead for containers with annotation io.vrun.pool=true"},
	{NULL, NULL, NULL, NULL},
};

const struct command *command_find(const char *name)
{
	for (const struct command *c = commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int cli_next_option(int argc, char **argv, const char *shortopts, const struct option *longopts,
		    struct error **err)
{
	char spec[64];
	/* ':' leading (after a '+'): a missing value comes back as ':'. */
	if (shortopts[0] == '+')
		snprintf(spec, sizeof(spec), "+:%s", shortopts + 1);
	else
		snprintf(spec, sizeof(spec), ":%s", shortopts);
	opterr = 0;
	int c = getopt_long(argc, argv, spec, longopts, NULL);
	/* Errors name the verb; global options have none. */
	const char *verb = command_find(argv[0]) != NULL ? argv[0] : NULL;
	const char *sep = verb != NULL ? ": " : "";
	if (verb == NULL)
		verb = "";
	if (c == '?' && optopt != 0) {
		error_set(err, 0, "%s%sunknown option '-%c'", verb, sep, optopt);
		return CLI_ERROR;
	}
	if (c == '?') {
		error_set(err, 0, "%s%sunknown option '%s'", verb, sep, argv[optind - 1]);
		return CLI_ERROR;
	}
	if (c == ':') {
		error_set(err, 0, "%s%soption '%s' needs a value", verb, sep, argv[optind - 1]);
		return CLI_ERROR;
	}
	if (c == 'h') {
		cli_print_usage(argv[0]);
		return CLI_HELP;
	}
	return c;
}

int cli_no_options(int argc, char **argv, struct error **err)
{
	static const struct option options[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int opt;
	while ((opt = cli_next_option(argc, argv, "h", options, err)) != CLI_END)
		if (opt < CLI_END)
			return opt;
	return CLI_END;
}

void cli_print_usage(const char *verb)
{
	const struct command *c = command_find(verb);
	if (c != NULL)
		printf("usage: vrun %s\n\n%s\n", c->usage, c->summary);
}

int cli_expect_args(int argc, char **argv, int count, const char *what, struct error **err)
{
	int have = argc - optind;
	if (have < count)
		return error_set(err, 0, "%s: missing %s", argv[0], what);
	if (have > count)
		return error_set(err, 0, "%s: unexpected argument '%s'", argv[0],
				 argv[optind + count]);
	return 0;
}
