/* `vrun pool fill N`, `vrun pool drain`, `vrun pool status`: the VMs
 * booted ahead of their containers (runtime/pool.h).  fill starts VMMs
 * until N wait and returns once each has booted; each is then a process
 * of its own (not fill's child), which a claim turns into a container's
 * VMM. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "runtime/cli.h"
#include "runtime/guest.h"
#include "runtime/launch.h"
#include "runtime/pool.h"
#include "runtime/statedir.h"
#include "runtime/supervisor.h"
#include "runtime/vm_shape.h"

#define POOL_FILL_MAX 64

/* A new entry directory under <root>/.pool: its path in `dir`. */
static int make_entry(const char *root, char *dir, size_t size, struct error **err)
{
	char pool[2048];
	if (snprintf(pool, sizeof(pool), "%s/%s", root, POOL_DIR) >= (int)sizeof(pool))
		return error_set_kind(err, ENAMETOOLONG, "pool: %s: path too long", root);
	if (mkdir(pool, 0700) < 0 && errno != EEXIST)
		return error_set(err, errno, "pool: mkdir %s", pool);
	for (unsigned n = 0; n < 100000; n++) {
		snprintf(dir, size, "%s/%u", pool, n);
		if (mkdir(dir, 0700) == 0)
			return 0;
		if (errno != EEXIST)
			return error_set(err, errno, "pool: mkdir %s", dir);
	}
	return error_set_kind(err, ENOSPC, "pool: no free entry name in %s", pool);
}

/* Forks the VMM twice over, so that it is no one's child here; the read
 * end of its sync pipe. */
static int start_vmm(struct pool_vmm_config *p, struct error **err)
{
	int sync[2];
	if (pipe2(sync, O_CLOEXEC) < 0)
		return error_set(err, errno, "pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(sync[0]);
		close(sync[1]);
		return error_set(err, errno, "fork a pool VMM");
	}
	if (pid == 0) {
		close(sync[0]);
		setsid();
		pid_t vmm = fork();
		if (vmm != 0)
			_exit(vmm < 0 ? 1 : 0);
		/* Nothing of the caller's held open: its console output goes
		 * to the entry's log, with the guest's. */
		char log[4200];
		snprintf(log, sizeof(log), "%s/%s", p->entry_dir, VMM_LOG);
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (null < 0 || out < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(out, 2) < 0 || chdir("/") < 0)
			_exit(1);
		p->sync_fd = sync[1];
		_exit(supervisor_pool_run(p));
	}
	close(sync[1]);
	waitpid(pid, NULL, 0);
	return sync[0];
}

/* The VMM's word: "R" when it waits, or "E<code>:<message>"; an entry
 * whose VMM did not boot is removed, the end of its log in the error. */
static int wait_ready(int fd, const char *dir, struct error **err)
{
	char msg[4096], tail[1500];
	int code;
	const char *text;
	enum vmm_word word = vmm_read_word(fd, msg, sizeof(msg), &code, &text);
	close(fd);
	if (word == VMM_WORD_READY)
		return 0;
	vmm_log_tail(dir, tail, sizeof(tail));
	struct error *ignored = NULL;
	fs_remove_tree_at(AT_FDCWD, dir, &ignored);
	error_release(&ignored);
	return error_set_kind(err, EIO, "pool: the VMM in %s did not boot: %s%s%s", dir,
			      word == VMM_WORD_ERROR ? text : "it exited without a word",
			      tail[0] ? "; the end of its log:\n" : "", tail);
}

static int fill(struct vrun_context *ctx, unsigned want, struct error **err)
{
	struct oci_config none = {0};
	struct vm_shape shape;
	struct guest_image guest;
	uid_t uid = 0;
	gid_t gid = 0;
	int rootfd;
	if ((ctx->vmm_user != NULL && launch_parse_vmm_user(ctx->vmm_user, &uid, &gid, err) < 0) ||
	    statedir_open_root(ctx->root, true, &rootfd, err) < 0)
		return -1;
	close(rootfd);
	if (vm_shape_from_config(&none, vm_shape_host_cpus(), &shape, err) < 0 ||
	    guest_image_prepare(ctx->root, NULL, &guest, err) < 0)
		return -1;
	char key[POOL_KEY_MAX], dirs[POOL_FILL_MAX][4096];
	int fds[POOL_FILL_MAX];
	pool_key(guest.boot, guest.initramfs, shape.memory, shape.vcpus, NULL, ctx->vmm_user, key,
		 sizeof(key));
	unsigned have = pool_count(ctx->root), started = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int ret = 0;
	while (have + started < want) {
		struct pool_vmm_config p = {.entry_dir = dirs[started],
					    .key = key,
					    .guest = &guest,
					    .shape = &shape,
					    .vmm_user = ctx->vmm_user != NULL,
					    .vmm_uid = uid,
					    .vmm_gid = gid};
		if (make_entry(ctx->root, dirs[started], sizeof(dirs[started]), err) < 0) {
			ret = -1;
			break;
		}
		if ((fds[started] = start_vmm(&p, err)) < 0) {
			struct error *ignored = NULL;
			fs_remove_tree_at(AT_FDCWD, dirs[started], &ignored);
			error_release(&ignored);
			ret = -1;
			break;
		}
		started++;
	}
	/* Each says whether it booted; the first failure is the error. */
	for (unsigned i = 0; i < started; i++) {
		struct error *e = NULL;
		if (wait_ready(fds[i], dirs[i], ret == 0 ? err : &e) < 0)
			ret = -1;
		error_release(&e);
	}
	if (ret == 0)
		printf("pool: %u VMs wait in %s/%s (%u booted in %ld ms)\n", have + started,
		       ctx->root, POOL_DIR, started, timefmt_ms_since(&t0));
	guest_image_release(&guest);
	return ret;
}

int cmd_pool(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	int opt;
	if ((opt = cli_no_options(argc, argv, err)) != CLI_END)
		return cli_stop(opt);
	const char *what = optind < argc ? argv[optind] : "";
	if (strcmp(what, "fill") == 0) {
		char *end;
		if (argc - optind != 2)
			return error_set(err, 0, "pool fill: expected a count");
		long n = strtol(argv[optind + 1], &end, 10);
		if (*end != '\0' || n < 1 || n > POOL_FILL_MAX)
			return error_set(err, 0, "pool fill: '%s' is not a count from 1 to %d",
					 argv[optind + 1], POOL_FILL_MAX);
		return fill(ctx, (unsigned)n, err);
	}
	if (argc - optind != 1 || (strcmp(what, "drain") != 0 && strcmp(what, "status") != 0))
		return error_set(err, 0, "pool: expected fill N, drain or status");
	if (strcmp(what, "status") == 0) {
		printf("pool: %u VMs wait in %s/%s\n", pool_count(ctx->root), ctx->root, POOL_DIR);
		return 0;
	}
	unsigned drained;
	if (pool_drain(ctx->root, &drained, err) < 0)
		return -1;
	printf("pool: %u VMs ended\n", drained);
	return 0;
}
