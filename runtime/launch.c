/* create: fork the VMM, wait for its word, write the record. */
#include "runtime/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/protocol.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/timefmt.h"
#include "common/xalloc.h"
#include "netns/net.h"
#include "oci-spec/config.h"
#include "runtime/agent_client.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "runtime/guest.h"
#include "runtime/hooks.h"
#include "runtime/passed_fds.h"
#include "runtime/pool.h"
#include "runtime/supervisor.h"
#include "runtime/vm_shape.h"

#define LOG_TAIL 1500

static char *state_dir(const char *root, const char *id)
{
	char *dir;
	if (asprintf(&dir, "%s/%s", root, id) < 0)
		abort();
	return dir;
}

/* The VMM's word (vmm_read_word): 0 when it is ready, else the error. */
static int wait_created(int sync, pid_t pid, const char *dir, int *exit_code, struct error **err)
{
	char msg[4096];
	int code;
	const char *text;
	enum vmm_word word = vmm_read_word(sync, msg, sizeof(msg), &code, &text);
	if (word == VMM_WORD_READY)
		return 0;
	waitpid(pid, NULL, 0); /* a pooled VMM is not our child: ECHILD */
	if (word == VMM_WORD_ERROR) {
		*exit_code = code;
		int errnum = code == 127 ? ENOENT : code == 126 ? EACCES : EIO;
		return error_set_kind(err, errnum, "%s", text);
	}
	char tail[LOG_TAIL];
	vmm_log_tail(dir, tail, sizeof(tail));
	return error_set_kind(err, EIO, "the VMM exited before the container was created%s%s",
			      tail[0] ? "; the end of its log:\n" : "", tail);
}

static int write_record(struct container *c, pid_t pid, const char *bundle,
			const struct oci_config *config, struct error **err)
{
	char created[TIMEFMT_SIZE];
	struct oci_state *s = &c->record.state;
	timefmt_now(true, created);
	s->oci_version = xstrdup(OCI_SPEC_VERSION);
	s->id = xstrdup(c->id);
	s->status = xstrdup(STATUS_CREATED);
	s->pid = pid;
	s->bundle = xstrdup(bundle);
	s->created = xstrdup(created);
	s->owner = xstrdup("");
	if (!proc_start_time(pid, &c->record.pid_start_time))
		return error_set_kind(err, ESRCH, "the VMM (pid %d) exited", (int)pid);
	return container_write_record(c, err);
}

int launch_write_pid_file(const char *path, pid_t pid, struct error **err)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%d", (int)pid);
	if (fs_write_file_atomic(AT_FDCWD, path, text, (size_t)n, 0644, err) < 0)
		return error_wrap(err, "pid file");
	return 0;
}

/* The VM runs and the process waits for start: the runtime environment
 * exists, which is when runtime-spec wants these.  The guest's
 * createContainer hooks come after them: the init waits for PREPARE. */
static int run_create_hooks(struct container *c, const char *dir, const struct oci_hooks *hooks,
			    int *exit_code, struct error **err)
{
	if (hooks_run(&hooks->create_runtime, "createRuntime", &c->record.state, err) < 0 ||
	    hooks_run(&hooks->prestart, "prestart", &c->record.state, err) < 0)
		return -1;
	if (hooks->create_container.len == 0)
		return 0;
	cleanup_close int fd = agent_connect(dir, err);
	if (fd < 0 || agent_request(fd, AGENT_PREPARE, NULL, 0, exit_code, err) < 0)
		return error_wrap(err, "create %s", c->id);
	return 0;
}

static pid_t fork_vmm(const struct supervisor_config *sc, struct container *c, int sync[2],
		      struct error **err)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return error_set(err, errno, "fork the VMM");
	if (pid == 0) {
		/* The lock belongs to this command, not to the VMM. */
		close(c->lockfd);
		close(sync[0]);
		_exit(supervisor_run(sc));
	}
	close(sync[1]);
	return pid;
}

static const char *absolute(const char *path, const char *cwd, char *out, size_t size)
{
	if (path == NULL || path[0] == '/')
		return path;
	if (snprintf(out, size, "%s/%s", cwd, path) >= (int)size)
		return path; /* the VMM fails to open it, and says so */
	return out;
}

/* What a valid config.json may ask that the guest cannot give: refused
 * before a VM boots.  A seccomp listener (SCMP_ACT_NOTIFY) would be a
 * process of the host's answering for the guest's syscalls. */
static int check_supported(const struct oci_config *config, struct error **err)
{
	const struct oci_seccomp *sc = config->linux_ != NULL ? config->linux_->seccomp : NULL;
	if (sc == NULL)
		return 0;
	if (sc->listener_path != NULL && sc->listener_path[0] != '\0')
		return error_set(err, 0, "seccomp: listenerPath is not supported");
	bool notify =
		sc->default_action != NULL && strcmp(sc->default_action, "SCMP_ACT_NOTIFY") == 0;
	for (size_t i = 0; i < sc->syscalls.len; i++)
		notify = notify || (sc->syscalls.items[i].action != NULL &&
				    strcmp(sc->syscalls.items[i].action, "SCMP_ACT_NOTIFY") == 0);
	if (notify)
		return error_set(err, 0, "seccomp: action SCMP_ACT_NOTIFY is not supported");
	return 0;
}

/* --vmm-user USER[:GROUP]: names or numbers of the host's; without a
 * group, the user's own. */
int launch_parse_vmm_user(const char *spec, uid_t *uid, gid_t *gid, struct error **err)
{
	char user[256], *end;
	const char *colon = strchr(spec, ':');
	size_t n = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	if (n == 0 || n >= sizeof(user) || (colon != NULL && colon[1] == '\0'))
		return error_set_kind(err, EINVAL, "--vmm-user %s: expected USER[:GROUP]", spec);
	memcpy(user, spec, n);
	user[n] = '\0';
	unsigned long v = strtoul(user, &end, 10);
	struct passwd *pw = getpwnam(user);
	if (pw != NULL) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	} else if (*end == '\0' && user[0] >= '0' && user[0] <= '9' && v < (uid_t)-1) {
		*uid = (uid_t)v;
		*gid = (gid_t)v;
	} else
		return error_set_kind(err, ENOENT, "--vmm-user %s: no such user on the host", spec);
	if (colon == NULL)
		return 0;
	struct group *gr = getgrnam(colon + 1);
	v = strtoul(colon + 1, &end, 10);
	if (gr != NULL)
		*gid = gr->gr_gid;
	else if (*end == '\0' && colon[1] >= '0' && colon[1] <= '9' && v < (gid_t)-1)
		*gid = (gid_t)v;
	else
		return error_set_kind(err, ENOENT, "--vmm-user %s: no such group on the host",
				      spec);
	return 0;
}

/* A VM from the pool (pool.h) when the container asks for one and one of
 * its shape waits: 0 with *fd and *pid, 1 when the VMM is to be forked. */
static int claim_pooled(const struct vrun_context *ctx, bool asked,
			const struct supervisor_config *sc, const struct passed_fds *fds, int *fd,
			pid_t *pid, struct error **err)
{
	const char *why = pool_refusal(sc->config, asked, fds->n);
	if (why != NULL) {
		if (asked || oci_strmap_get(&sc->config->annotations, POOL_ANNOTATION) != NULL)
			log_debug("pool: %s: booting a VM", why);
		return 1;
	}
	char key[POOL_KEY_MAX], cwd[PATH_MAX], console[2 * PATH_MAX], log_path[2 * PATH_MAX];
	pool_key(sc->guest->boot, sc->guest->initramfs, sc->shape->memory, sc->shape->vcpus,
		 sc->shape->cmdline_extra, ctx->vmm_user, key, sizeof(key));
	/* The VMM's working directory is not ours. */
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return error_set(err, errno, "getcwd");
	const char *socket = absolute(sc->console_socket, cwd, console, sizeof(console));
	const char *log = absolute(ctx->log_path, cwd, log_path, sizeof(log_path));
	struct pool_claim claim = {.id = sc->id,
				   .state_dir = sc->state_dir,
				   .bundle = sc->bundle,
				   .cgroup = sc->cgroup,
				   .console_socket = socket,
				   .log_path = log,
				   .log_format = ctx->log_format,
				   .debug = log_debug_enabled(),
				   .config_text = sc->config_text,
				   .config_len = sc->config_len,
				   .stdio = {0, 1, 2}};
	int ret = pool_take(ctx->root, key, &claim, fd, pid, err);
	if (ret == 1)
		log_debug("pool: no VM of this shape waits: booting one");
	else if (ret == 0)
		log_debug("pool: VMM pid %d takes the container", (int)*pid);
	return ret;
}

static int launch(struct vrun_context *ctx, const struct launch_options *o, struct container *c,
		  int *exit_code, struct error **err)
{
	cleanup_free char *text = NULL, *dir = state_dir(ctx->root, o->id);
	char bundle[PATH_MAX];
	size_t len;
	struct oci_config config;
	struct guest_image guest;
	struct passed_fds fds;
	int sync[2];

	uid_t vmm_uid = 0;
	gid_t vmm_gid = 0;
	if ((ctx->vmm_user != NULL &&
	     launch_parse_vmm_user(ctx->vmm_user, &vmm_uid, &vmm_gid, err) < 0) ||
	    passed_fds_collect((unsigned)o->preserve_fds, true, &fds, err) < 0 ||
	    oci_config_load_text(o->bundle, &config, &text, &len, err) < 0)
		return -1;
	if (realpath(o->bundle, bundle) == NULL) {
		oci_config_release(&config);
		return error_set(err, errno, "bundle %s", o->bundle);
	}
	struct vm_shape shape;
	char cgroup[PATH_MAX], self[PATH_MAX];
	bool systemd = ctx->systemd_cgroup ||
		       (ctx->cgroup_manager != NULL && strcmp(ctx->cgroup_manager, "systemd") == 0);
	cgroup_self(self, sizeof(self));
	if (check_supported(&config, err) < 0 ||
	    cgroup_resolve(config.linux_ != NULL ? config.linux_->cgroups_path : NULL, systemd,
			   self, cgroup, sizeof(cgroup), err) < 0 ||
	    vm_shape_from_config(&config, vm_shape_host_cpus(), &shape, err) < 0 ||
	    guest_image_prepare(ctx->root, shape.kernel, &guest, err) < 0) {
		oci_config_release(&config);
		return -1;
	}
	if (pipe2(sync, O_CLOEXEC) < 0) {
		oci_config_release(&config);
		guest_image_release(&guest);
		return error_set(err, errno, "pipe");
	}
	struct supervisor_config sc = {
		.id = o->id,
		.state_dir = dir,
		.bundle = bundle,
		.config = &config,
		.config_text = text,
		.config_len = len,
		.guest = &guest,
		.shape = &shape,
		.cgroup = cgroup,
		.console_socket = o->console_socket,
		.fds = fds.n > 0 ? &fds : NULL,
		.sync_fd = sync[1],
		.status_fd = -1,
		.vmm_user = ctx->vmm_user != NULL,
		.vmm_uid = vmm_uid,
		.vmm_gid = vmm_gid,
	};
	pid_t pid = 0;
	int taken = claim_pooled(ctx, o->pool, &sc, &fds, &c->pool_fd, &pid, err);
	if (taken == 1)
		pid = fork_vmm(&sc, c, sync, err);
	else
		close(sync[1]);
	int ret = taken < 0 || pid < 0 ? -1
		  : taken == 0	       ? wait_created(c->pool_fd, pid, dir, exit_code, err)
				       : wait_created(sync[0], pid, dir, exit_code, err);
	close(sync[0]);
	if (taken == 1 && pid < 0)
		close(sync[1]);
	if (ret == 0 && (ret = write_record(c, pid, bundle, &config, err)) == 0)
		ret = vm_shape_record(c->dirfd, &shape, err);
	if (ret == 0 && o->pid_file != NULL)
		ret = launch_write_pid_file(o->pid_file, pid, err);
	if (ret == 0 && config.hooks != NULL)
		ret = run_create_hooks(c, dir, config.hooks, exit_code, err);
	if (ret < 0 && pid > 0 && c->record.state.pid > 0)
		container_kill_vmm(c, &(struct error *){NULL});
	else if (ret < 0 && pid > 0)
		kill(pid, SIGKILL);
	oci_config_release(&config);
	guest_image_release(&guest);
	return ret;
}

enum {
	OPT_PID_FILE = 256,
	OPT_CONSOLE,
	OPT_NO_PIVOT,
	OPT_NO_KEYRING,
	OPT_PRESERVE,
	OPT_IMAGE,
	OPT_RM,
	OPT_POOL
};

/* The options create and run share; run adds --detach. */
#define CREATE_OPTIONS                                                                             \
	{"bundle", required_argument, NULL, 'b'},                                                  \
		{"pid-file", required_argument, NULL, OPT_PID_FILE},                               \
		{"console-socket", required_argument, NULL, OPT_CONSOLE},                          \
		{"no-pivot", no_argument, NULL, OPT_NO_PIVOT},                                     \
		{"no-new-keyring", no_argument, NULL, OPT_NO_KEYRING},                             \
		{"preserve-fds", required_argument, NULL, OPT_PRESERVE},                           \
		{"pool", no_argument, NULL, OPT_POOL},                                             \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}

int launch_parse_options(int argc, char **argv, struct launch_options *o, bool *detach,
			 struct error **err)
{
	static const struct option create_options[] = {CREATE_OPTIONS, {0}};
	static const struct option run_options[] = {
		CREATE_OPTIONS,
		{"detach", no_argument, NULL, 'd'},
		{"image", required_argument, NULL, OPT_IMAGE},
		{"rm", no_argument, NULL, OPT_RM},
		{0},
	};
	int opt;
	char *end;
	/* run stops at the id: what follows is `run --image`'s command. */
	while ((opt = cli_next_option(argc, argv, detach != NULL ? "+b:dh" : "b:h",
				      detach != NULL ? run_options : create_options, err)) !=
	       CLI_END) {
		switch (opt) {
		case CLI_ERROR:
		case CLI_HELP:
			return opt;
		case 'b':
			o->bundle = optarg;
			o->bundle_given = true;
			break;
		case 'd':
			*detach = true;
			break;
		case OPT_PID_FILE:
			o->pid_file = optarg;
			break;
		case OPT_CONSOLE:
			o->console_socket = optarg;
			break;
		case OPT_IMAGE:
			o->image = optarg;
			break;
		case OPT_RM:
			o->rm = true;
			break;
		case OPT_POOL:
			o->pool = true;
			break;
		case OPT_PRESERVE:
			errno = 0;
			o->preserve_fds = (int)strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || o->preserve_fds < 0 ||
			    o->preserve_fds > 65536)
				return error_set(err, 0, "%s: --preserve-fds: '%s' is not a count",
						 argv[0], optarg);
			break;
		}
	}
	if (o->image != NULL && argc > optind) {
		o->cmd = argv + optind + 1;
		o->ncmd = (size_t)(argc - optind - 1);
		if (o->ncmd > 0 && strcmp(o->cmd[0], "--") == 0) {
			o->cmd++;
			o->ncmd--;
		}
		return 0;
	}
	if (o->rm && o->image == NULL)
		return error_set(err, 0, "%s: --rm goes with --image", argv[0]), CLI_ERROR;
	return cli_expect_args(argc, argv, 1, "container id", err) < 0 ? CLI_ERROR : 0;
}

int launch_container(struct vrun_context *ctx, const struct launch_options *o, struct container *c,
		     int *exit_code, struct error **err)
{
	*exit_code = 1;
	if (container_make(ctx->root, o->id, c, err) < 0)
		return -1;
	if (launch(ctx, o, c, exit_code, err) == 0)
		return 0;
	if (log_debug_enabled()) {
		cleanup_free char *dir = state_dir(ctx->root, o->id);
		char tail[LOG_TAIL * 4];
		vmm_log_tail(dir, tail, sizeof(tail));
		log_debug("create %s failed; the end of %s/%s:\n%s", o->id, dir, VMM_LOG, tail);
	}
	struct error *ignored = NULL;
	cgroup_release(c->dirfd);
	container_remove_dir(c, &ignored);
	error_release(&ignored);
	return -1;
}

/* A network the caller made after create in the VMM's own namespace (ctr
 * run --cni does): its first interface joined to the NIC that waits on
 * LATE_NIC_TAP, and the guest told, before the process starts. */
static int late_network(struct container *c, int agent_fd, struct error **err)
{
	struct oci_config config;
	char path[64];
	struct net_config net;
	int old;
	if (oci_config_load(c->record.state.bundle, &config, err) < 0)
		return -1;
	bool late = oci_has_namespace(&config, "network") &&
		    oci_namespace_path(&config, "network") == NULL;
	oci_config_release(&config);
	if (!late)
		return 0;
	snprintf(path, sizeof(path), "/proc/%lld/ns/net", (long long)c->record.state.pid);
	if (net_enter(path, &old, err) < 0)
		return -1;
	int ret = net_discover(&net, err);
	if (ret == 0 && net.n > 0 && if_nametoindex(LATE_NIC_TAP) == 0) {
		log_warning("network: %s appeared after create, but the VM has no NIC for it",
			    net.ifaces[0].name);
		net.n = 0;
	}
	if (ret == 0 && net.n > 0)
		ret = net_redirect(&net.ifaces[0], LATE_NIC_TAP, err);
	net_leave(old);
	if (ret < 0 || net.n == 0)
		return ret;
	if (net.n > 1)
		log_warning("network: only %s reaches the guest (made after create: one NIC)",
			    net.ifaces[0].name);
	const uint8_t late_mac[6] = LATE_NIC_MAC;
	memcpy(net.ifaces[0].guest_mac, late_mac, 6);
	log_debug("network: %s, made after create, goes to the guest", net.ifaces[0].name);
	return agent_send_network(agent_fd, net.ifaces, 1, NULL, err);
}

int start_container(struct container *c, const char *root, struct error **err)
{
	cleanup_free char *dir = state_dir(root, c->id);
	const char *status = container_refresh_status(c);
	if (strcmp(status, STATUS_CREATED) != 0)
		return error_set_kind(err, EINVAL, "cannot start a container that is %s: %s",
				      status, c->id);
	cleanup_close int fd = agent_connect(dir, err);
	if (fd < 0)
		return error_wrap(err, "start %s", c->id);
	if (late_network(c, fd, err) < 0 || agent_request(fd, AGENT_START, NULL, 0, NULL, err) < 0)
		return error_wrap(err, "start %s", c->id);
	free(c->record.state.status);
	c->record.state.status = xstrdup(STATUS_RUNNING);
	if (container_write_record(c, err) < 0)
		return -1;
	/* A failed poststart hook is a warning (runtime-spec runtime.md). */
	struct oci_config config;
	struct error *hook_err = NULL;
	if (oci_config_load(c->record.state.bundle, &config, &hook_err) == 0) {
		if (config.hooks != NULL && hooks_run(&config.hooks->poststart, "poststart",
						      &c->record.state, &hook_err) < 0)
			log_warning("%s", hook_err->msg);
		oci_config_release(&config);
	}
	error_release(&hook_err);
	return 0;
}
