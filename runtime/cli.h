/* What every verb receives: the global options, and the helpers verbs use
 * to read their own options.  One file per verb implements cmd_<verb>. */
#ifndef VRUN_RUNTIME_CLI_H
#define VRUN_RUNTIME_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "common/error.h"

struct vrun_context {
	const char *root; /* state root, --root or the default */
	bool debug;
	bool systemd_cgroup;
	const char *cgroup_manager;
	const char *vmm_user; /* --vmm-user USER[:GROUP], or NULL */
	const char *log_path; /* --log FILE, or NULL */
	unsigned log_format;  /* --log-format (enum log_format) */
	int exit_status;      /* what vrun exits with, when a verb sets it (-1: 0 or 1) */
};

typedef int (*command_fn)(struct vrun_context *ctx, int argc, char **argv, struct error **err);

struct command {
	const char *name;
	command_fn run;
	const char *usage; /* "VERB [OPTIONS] ARGS", one line */
	const char *summary;
};

/* The verbs, in the order `vrun --help` lists them; NULL-terminated. */
extern const struct command commands[];
const struct command *command_find(const char *name);

enum { CLI_END = -1, CLI_ERROR = -2, CLI_HELP = -3 };

/* getopt_long over a verb's argv (argv[0] is the verb) without getopt's own
 * messages: returns the option, CLI_END, CLI_ERROR with *err set, or
 * CLI_HELP after printing the verb's usage for -h/--help. */
int cli_next_option(int argc, char **argv, const char *shortopts, const struct option *longopts,
		    struct error **err);
/* What a verb returns when cli_next_option stops early: 0 after help. */
static inline int cli_stop(int opt)
{
	return opt == CLI_HELP ? 0 : -1;
}
/* For verbs whose only option is --help. */
int cli_no_options(int argc, char **argv, struct error **err);
/* Prints the verb's usage line; used by --help. */
void cli_print_usage(const char *verb);
/* Requires exactly `count` positional arguments after the options. */
int cli_expect_args(int argc, char **argv, int count, const char *what, struct error **err);

int cmd_start(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_run(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_exec(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_pause(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_update(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_resume(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_ps(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_kill(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_create(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_check(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_spec(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_state(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_list(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_delete(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_features(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_image(struct vrun_context *ctx, int argc, char **argv, struct error **err);
int cmd_pool(struct vrun_context *ctx, int argc, char **argv, struct error **err);

/* The `--version` text: "vrun version X\ncommit: C\nspec: S\n". */
const char *vrun_version_text(void);
const char *vrun_version(void);
const char *vrun_commit(void);

#endif
