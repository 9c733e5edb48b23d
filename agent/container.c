/* The container's init process: cloned into new PID, mount, UTS and IPC
 * namespaces (so it is PID 1 of its own, as under runc), it mounts what
 * config.json asks for inside the `rootfs` share, pivots into it, makes
 * the default devices, takes the process's user, rlimits, umask and cwd,
 * finds its executable, then reports ready and waits for the start.
 *
 * It talks to the agent over a socketpair: "R" when ready, "E<code>:<msg>"
 * for a failure; the agent sends "S" to start, and a successful exec shows
 * as EOF (the socket is close-on-exec).  With createContainer hooks the
 * init reports "R" once more, before them: the agent sends "P" when the
 * host has run its createRuntime hooks. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/etc_users.h"
#include "common/fdpass.h"
#include "oci-spec/hooks.h"
#include "oci-spec/state.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void failure_set(struct agent_failure *f, int exit_code, const char *fmt, ...)
{
	va_list ap;
	f->exit_code = exit_code;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

void fail(int sync, int code, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	int n = snprintf(msg, sizeof(msg), "E%d:", code);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (send(sync, msg, strlen(msg), MSG_NOSIGNAL) < 0)
		report("container: %s", msg);
	_exit(code);
}

struct mount_flag {
	const char *name;
	bool clear;
	unsigned long flag;
};

static const struct mount_flag mount_flags[] = {
	{"ro", false, MS_RDONLY},
	{"rw", true, MS_RDONLY},
	{"nosuid", false, MS_NOSUID},
	{"suid", true, MS_NOSUID},
	{"nodev", false, MS_NODEV},
	{"dev", true, MS_NODEV},
	{"noexec", false, MS_NOEXEC},
	{"exec", true, MS_NOEXEC},
	{"sync", false, MS_SYNCHRONOUS},
	{"async", true, MS_SYNCHRONOUS},
	{"dirsync", false, MS_DIRSYNC},
	{"remount", false, MS_REMOUNT},
	{"mand", false, MS_MANDLOCK},
	{"nomand", true, MS_MANDLOCK},
	{"noatime", false, MS_NOATIME},
	{"atime", true, MS_NOATIME},
	{"nodiratime", false, MS_NODIRATIME},
	{"diratime", true, MS_NODIRATIME},
	{"relatime", false, MS_RELATIME},
	{"norelatime", true, MS_RELATIME},
	{"strictatime", false, MS_STRICTATIME},
	{"nostrictatime", true, MS_STRICTATIME},
	{"bind", false, MS_BIND},
	{"rbind", false, MS_BIND | MS_REC},
};

static const struct mount_flag propagation_flags[] = {
	{"private", false, MS_PRIVATE},	      {"rprivate", false, MS_PRIVATE | MS_REC},
	{"shared", false, MS_SHARED},	      {"rshared", false, MS_SHARED | MS_REC},
	{"slave", false, MS_SLAVE},	      {"rslave", false, MS_SLAVE | MS_REC},
	{"unbindable", false, MS_UNBINDABLE}, {"runbindable", false, MS_UNBINDABLE | MS_REC},
};

static const struct mount_flag *find_flag(const struct mount_flag *table, size_t n,
					  const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

struct mount_plan {
	unsigned long flags, propagation;
	char data[1024];
	bool copyup; /* tmpcopyup: the tmpfs gets what the directory held */
};

static void plan_mount(const struct oci_mount *m, struct mount_plan *p)
{
	size_t n_flags = sizeof(mount_flags) / sizeof(mount_flags[0]);
	size_t n_prop = sizeof(propagation_flags) / sizeof(propagation_flags[0]);
	size_t used = 0;
	*p = (struct mount_plan){0};
	for (size_t i = 0; i < m->options.len; i++) {
		const char *o = m->options.items[i];
		const struct mount_flag *f = find_flag(mount_flags, n_flags, o);
		const struct mount_flag *prop = find_flag(propagation_flags, n_prop, o);
		if (f != NULL && f->clear)
			p->flags &= ~f->flag;
		else if (f != NULL)
			p->flags |= f->flag;
		else if (prop != NULL)
			p->propagation = prop->flag;
		else if (strcmp(o, "tmpcopyup") == 0)
			p->copyup = true; /* runc's and crun's, not the kernel's */
		else if (used + strlen(o) + 2 < sizeof(p->data))
			used += (size_t)sprintf(p->data + used, "%s%s", used > 0 ? "," : "", o);
	}
}

/* mkdir -p of `path` (absolute, inside the new root); the last component
 * is made a file when `file` is set. */
static int make_path(const char *path, bool file)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	struct stat st;
	if (lstat(buf, &st) == 0)
		return 0; /* there already (made on the host for a read-only root) */
	if (file) {
		int fd = open(buf, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0 && errno != EEXIST && errno != EISDIR)
			return -1;
		if (fd >= 0)
			close(fd);
		return 0;
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static void do_mount(int sync, const struct oci_mount *m, size_t index)
{
	struct mount_plan p;
	char target[4096], source[256];
	const char *src = m->source != NULL ? m->source : "none";
	const char *type = m->type;
	struct stat st;

	plan_mount(m, &p);
	snprintf(target, sizeof(target), "%s%s", AGENT_ROOTFS, m->destination);
	bool bind = oci_mount_is_bind(m);
	if (bind) {
		p.flags |= MS_BIND;
		snprintf(source, sizeof(source), "%s/%zu", AGENT_MOUNTS, index);
		src = source;
		type = NULL;
	} else if (type != NULL && strcmp(type, "cgroup") == 0) {
		type = "cgroup2"; /* the guest has the unified hierarchy only */
		src = "cgroup2";
	}
	bool file = bind && stat(src, &st) == 0 && !S_ISDIR(st.st_mode);
	if (make_path(target, file) < 0)
		fail(sync, 1, "mount %s: create mount point: %s", m->destination, strerror(errno));
	/* What the directory holds, before the tmpfs hides it. */
	int lower = p.copyup && !bind ? open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	unsigned long flags = p.flags & ~(MS_RDONLY | MS_REMOUNT);
	if (mount(src, target, type, bind ? flags : p.flags, p.data[0] ? p.data : NULL) < 0) {
		if (type != NULL && strcmp(type, "cgroup2") == 0) {
			report("container: mount %s: %s (skipped)", m->destination,
			       strerror(errno));
			return;
		}
		fail(sync, 1, "mount %s on %s: %s", src, m->destination, strerror(errno));
	}
	if (lower >= 0) {
		char where[256];
		int upper = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (upper < 0 || copy_tree(lower, upper, where, sizeof(where)) < 0)
			fail(sync, 1, "mount %s: tmpcopyup of %s: %s", m->destination,
			     upper < 0 ? "." : where, strerror(errno));
		close(upper);
		close(lower);
	}
	/* A bind mount takes its flags on a remount. */
	if (bind && (p.flags & ~(MS_BIND | MS_REC)) != 0 &&
	    mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | (p.flags & ~MS_REC), NULL) < 0)
		fail(sync, 1, "remount %s: %s", m->destination, strerror(errno));
	if (p.propagation != 0 && mount(NULL, target, NULL, p.propagation, NULL) < 0)
		fail(sync, 1, "mount propagation of %s: %s", m->destination, strerror(errno));
}

static void make_devices(void)
{
	static const struct {
		const char *name;
		unsigned major, minor;
	} devices[] = {
		{"null", 1, 3},	  {"zero", 1, 5},    {"full", 1, 7},
		{"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
	};
	static const struct {
		const char *name, *target;
	} links[] = {
		{"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
		{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
		{"ptmx", "pts/ptmx"},	       {"core", "/proc/kcore"},
	};
	char path[256];
	mkdir(AGENT_ROOTFS "/dev", 0755);
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
		snprintf(path, sizeof(path), "%s/dev/%s", AGENT_ROOTFS, devices[i].name);
		if (mknod(path, S_IFCHR | 0666, makedev(devices[i].major, devices[i].minor)) < 0 &&
		    errno != EEXIST)
			report("container: mknod /dev/%s: %s", devices[i].name, strerror(errno));
		else
			chmod(path, 0666);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/dev/%s", AGENT_ROOTFS, links[i].name);
		if (symlink(links[i].target, path) < 0 && errno != EEXIST)
			report("container: /dev/%s: %s", links[i].name, strerror(errno));
	}
}

/* Into the rootfs: pivot_root where the agent's root allows it (it made
 * its own root a mount for that), moving the mount over / otherwise. */
static void enter_root(int sync)
{
	if (chdir(AGENT_ROOTFS) < 0)
		fail(sync, 1, "rootfs: %s", strerror(errno));
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		if (umount2(".", MNT_DETACH) < 0)
			fail(sync, 1, "detach the old root: %s", strerror(errno));
	} else {
		report("container: pivot_root: %s; moving the root over / instead",
		       strerror(errno));
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0)
			fail(sync, 1, "enter the rootfs: %s", strerror(errno));
	}
	if (chdir("/") < 0)
		fail(sync, 1, "chdir /: %s", strerror(errno));
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_CORE", RLIMIT_CORE},
	{"RLIMIT_CPU", RLIMIT_CPU},
	{"RLIMIT_DATA", RLIMIT_DATA},
	{"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	{"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_NPROC", RLIMIT_NPROC},
	{"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
	{"RLIMIT_RTTIME", RLIMIT_RTTIME},
	{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_STACK", RLIMIT_STACK},
};

static void set_rlimits(int sync, const struct oci_process *p)
{
	for (size_t i = 0; i < p->rlimits.len; i++) {
		const struct oci_rlimit *r = &p->rlimits.items[i];
		size_t j;
		for (j = 0; j < sizeof(rlimit_names) / sizeof(rlimit_names[0]); j++)
			if (strcmp(rlimit_names[j].name, r->type) == 0)
				break;
		if (j == sizeof(rlimit_names) / sizeof(rlimit_names[0]))
			fail(sync, 1, "rlimit %s: unknown", r->type);
		struct rlimit lim = {r->soft, r->hard};
		if (setrlimit(rlimit_names[j].resource, &lim) < 0)
			fail(sync, 1, "rlimit %s: %s", r->type, strerror(errno));
	}
}

static void set_user(int sync, const struct oci_user *u)
{
	gid_t groups[256];
	size_t n = u->additional_gids.len < 256 ? u->additional_gids.len : 256;
	for (size_t i = 0; i < n; i++)
		groups[i] = u->additional_gids.items[i];
	if (setgroups(n, groups) < 0)
		fail(sync, 1, "setgroups: %s", strerror(errno));
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		fail(sync, 1, "setgid %u: %s", u->gid, strerror(errno));
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		fail(sync, 1, "setuid %u: %s", u->uid, strerror(errno));
	if (u->umask.set)
		umask((mode_t)u->umask.value & 0777);
}

static const char *env_get(const struct oci_strings *env, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < env->len; i++)
		if (strncmp(env->items[i], name, len) == 0 && env->items[i][len] == '=')
			return env->items[i] + len + 1;
	return NULL;
}

/* The executable as execve wants it: args[0] itself when it has a slash,
 * else the first match along $PATH (of the process's environment). */
static void find_executable(int sync, const struct oci_process *p, char *out, size_t size)
{
	const char *name = p->args.items[0];
	if (strchr(name, '/') != NULL) {
		snprintf(out, size, "%s", name);
		if (access(out, F_OK) < 0)
			fail(sync, 127, "exec: \"%s\": stat %s: no such file or directory", name,
			     name);
		if (access(out, X_OK) < 0)
			fail(sync, 126, "exec: \"%s\": permission denied", name);
		return;
	}
	const char *path = env_get(&p->env, "PATH");
	char dirs[4096];
	snprintf(dirs, sizeof(dirs), "%s", path != NULL ? path : DEFAULT_PATH);
	bool denied = false;
	for (char *save, *dir = strtok_r(dirs, ":", &save); dir != NULL;
	     dir = strtok_r(NULL, ":", &save)) {
		struct stat st;
		snprintf(out, size, "%s/%s", *dir != '\0' ? dir : ".", name);
		if (stat(out, &st) < 0 || S_ISDIR(st.st_mode))
			continue;
		if (access(out, X_OK) == 0)
			return;
		denied = true;
	}
	if (denied)
		fail(sync, 126, "exec: \"%s\": permission denied", name);
	fail(sync, 127, "exec: \"%s\": executable file not found in $PATH", name);
}

int terminal_master = -1;

static void take_stdio(int sync, const int stdio[3]);

/* In the container (after pivot_root or setns, so that the terminal
 * belongs to the container's devpts): a new pty, its master sent to the
 * agent, the slave our controlling terminal and stdio, and /dev/console. */
static void setup_terminal(int sync, const struct oci_process *p, bool console)
{
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	char name[64];
	if (master < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
		fail(sync, 1, "terminal: /dev/ptmx: %s", strerror(errno));
	int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		fail(sync, 1, "terminal: %s: %s", name, strerror(errno));
	if (p->console_size != NULL) {
		struct winsize ws = {.ws_row = (unsigned short)p->console_size->height,
				     .ws_col = (unsigned short)p->console_size->width};
		ioctl(master, TIOCSWINSZ, &ws);
	}
	if (console) {
		int fd = open("/dev/console", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		if (mount(name, "/dev/console", NULL, MS_BIND, NULL) < 0)
			report("container: bind %s on /dev/console: %s", name, strerror(errno));
	}
	if (fdpass_send(sync, master, "T", 1) != 1)
		fail(sync, 1, "terminal: send the master: %s", strerror(errno));
	close(master);
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		fail(sync, 1, "terminal: make it the controlling terminal: %s", strerror(errno));
	int stdio[3] = {slave, slave, slave};
	take_stdio(sync, stdio);
}

/* The streams onto 0, 1 and 2; above 2 first, so that no dup2 overwrites
 * a stream still to come. */
static void take_stdio(int sync, const int stdio[3])
{
	int high[3];
	for (int i = 0; i < 3; i++)
		if ((high[i] = fcntl(stdio[i], F_DUPFD_CLOEXEC, 3)) < 0)
			fail(sync, 1, "stdio: %s", strerror(errno));
	for (int i = 0; i < 3; i++)
		if (dup2(high[i], i) < 0)
			fail(sync, 1, "stdio: %s", strerror(errno));
}

/* The seccomp filter exec_now loads, when it is loaded last. */
static void *pending_filter;

/* What init and exec'd processes share: rlimits, oomScoreAdj, user and
 * capabilities, noNewPrivileges, seccomp, cwd, executable. */
static void prepare_process(int sync, const struct oci_config *c, const struct oci_process *p,
			    char *exe, size_t size)
{
	struct agent_failure f = {0};
	const struct oci_linux *l = c->linux_;
	void *filter = security_seccomp_build(l != NULL ? l->seccomp : NULL, &f);
	if (f.msg[0] != '\0')
		fail(sync, f.exit_code, "%s", f.msg);
	if (p->apparmor_profile != NULL)
		debug("process: apparmorProfile %s: ignored (no AppArmor in the guest)",
		      p->apparmor_profile);
	if (p->selinux_label != NULL)
		debug("process: selinuxLabel %s: ignored (no SELinux in the guest)",
		      p->selinux_label);
	set_rlimits(sync, p);
	security_oom_score_adj(sync, p);
	/* Without noNewPrivileges the filter needs CAP_SYS_ADMIN to load:
	 * before the capabilities go (runc's order). */
	if (!p->no_new_privileges)
		security_seccomp_load(sync, filter);
	security_bounding(sync, p);
	set_user(sync, &p->user);
	security_caps(sync, p);
	security_no_new_privs(sync, p);
	if (p->no_new_privileges)
		pending_filter = filter;
	if (chdir(p->cwd) < 0)
		fail(sync, 1, "chdir to cwd (\"%s\") set in config.json failed: %s", p->cwd,
		     strerror(errno));
	find_executable(sync, p, exe, size);
}

/* The user's home from the container's /etc/passwd, "/" without one. */
static void home_of(uid_t uid, char *out, size_t size)
{
	struct etc_user u;
	FILE *f = fopen("/etc/passwd", "re");
	snprintf(out, size, "%s",
		 f != NULL && etc_passwd_find(f, NULL, uid, &u) == 0 ? u.home : "/");
	if (f != NULL)
		fclose(f);
}

static bool env_is(const char *entry, const char *name)
{
	size_t len = strlen(name);
	return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

/* The process's environment, with HOME added when it has none (as runc
 * does), and with LISTEN_FDS and LISTEN_PID when the host passed
 * systemd's sockets (replacing any the config has). */
static char **environment(const struct oci_process *p, const struct process_fds *fds)
{
	static char home[4200], listen_fds[32], listen_pid[] = "LISTEN_PID=1";
	bool has_home = false;
	for (size_t i = 0; i < p->env.len; i++)
		has_home = has_home || env_is(p->env.items[i], "HOME");
	if (has_home && fds->listen_fds == 0)
		return p->env.items;
	char **env = calloc(p->env.len + 4, sizeof(char *));
	if (env == NULL)
		return p->env.items;
	size_t n = 0;
	for (size_t i = 0; i < p->env.len; i++)
		if (fds->listen_fds == 0 || (!env_is(p->env.items[i], "LISTEN_FDS") &&
					     !env_is(p->env.items[i], "LISTEN_PID")))
			env[n++] = p->env.items[i];
	if (!has_home) {
		char dir[4096];
		home_of(getuid(), dir, sizeof(dir));
		snprintf(home, sizeof(home), "HOME=%s", dir);
		env[n++] = home;
	}
	if (fds->listen_fds > 0) {
		snprintf(listen_fds, sizeof(listen_fds), "LISTEN_FDS=%u", fds->listen_fds);
		env[n++] = listen_fds;
		env[n++] = listen_pid;
	}
	return env;
}

/* The passed fds onto 3, 4, ...: all of them (and the sync socket) above
 * that range first, so that no dup2 overwrites one still to come.  Last
 * thing before the exec: the hooks do not inherit them. */
static int take_extra(int sync, const struct process_fds *fds)
{
	int floor = 3 + (int)fds->n_extra, high[AGENT_MAX_FDS];
	if (fds->n_extra == 0)
		return sync;
	if ((sync = fcntl(sync, F_DUPFD_CLOEXEC, floor)) < 0)
		_exit(1);
	for (unsigned i = 0; i < fds->n_extra; i++)
		if ((high[i] = fcntl(fds->extra[i], F_DUPFD_CLOEXEC, floor)) < 0)
			fail(sync, 1, "passed fd %u: %s", 3 + i, strerror(errno));
	for (unsigned i = 0; i < fds->n_extra; i++)
		if (dup2(high[i], 3 + (int)i) < 0)
			fail(sync, 1, "passed fd %u: %s", 3 + i, strerror(errno));
	return sync;
}

static void __attribute__((noreturn))
exec_now(int sync, const struct oci_process *p, const char *exe, const struct process_fds *fds)
{
	sync = take_extra(sync, fds);
	/* Signals the agent ignored or blocked are the process's again. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	char **env = environment(p, fds);
	/* Last, so that the profile has only execve to allow. */
	security_seccomp_load(sync, pending_filter);
	execve(exe, p->args.items, env);
	int code = errno == ENOENT ? 127 : 126;
	fail(sync, code, "exec %s: %s", exe, strerror(errno));
}

/* Who the container is, for the state the guest's hooks read. */
struct identity {
	const char *id, *bundle;
};

/* The guest's hooks (createContainer, startContainer), run by the init
 * itself as runc's init runs them: in the container's namespaces, the
 * state's pid the process as the container sees it.  Their paths resolve
 * in the container's root: the guest has no other copy of the host's
 * files. */
static void run_hooks(int sync, const struct oci_config *c, const struct identity *who,
		      const oci_hook_list *hooks, const char *kind, const char *status)
{
	struct oci_state state = {.oci_version = OCI_SPEC_VERSION,
				  .id = (char *)who->id,
				  .status = (char *)status,
				  .pid = getpid(),
				  .bundle = (char *)who->bundle,
				  .annotations = c->annotations};
	char *json = oci_state_to_json(&state, false);
	struct error *err = NULL;
	if (oci_hooks_run(hooks, kind, json, &err) < 0)
		fail(sync, 1, "%s", err->msg);
	debug("container: %s hooks: ok", kind);
	free(json);
}

/* Tells the agent where we are ("R") and waits for its go (`want`). */
static void handshake(int sync, char want)
{
	char go;
	if (send(sync, "R", 1, MSG_NOSIGNAL) != 1 || recv(sync, &go, 1, 0) != 1 || go != want)
		_exit(1); /* the agent gave up on us */
}

/* Into the container's cgroup (pids.limit) before anything runs. */
static void join_cgroup(int sync, const struct process_fds *fds)
{
	if (fds->cgroup_procs >= 0 && write(fds->cgroup_procs, "0", 1) != 1)
		fail(sync, 1, "join the container's cgroup: %s", strerror(errno));
}

static void __attribute__((noreturn))
init_main(const struct oci_config *c, const struct identity *who, const struct process_fds *fds,
	  int sync)
{
	const struct oci_process *p = c->process;
	const struct oci_hooks *hooks = c->hooks;
	char exe[4096];

	join_cgroup(sync, fds);
	/* A cgroup namespace (as runc makes one): its cgroup is the root of
	 * the cgroup2 it mounts. */
	if (oci_has_namespace(c, "cgroup") && unshare(CLONE_NEWCGROUP) < 0)
		fail(sync, 1, "a cgroup namespace: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fail(sync, 1, "make / private: %s", strerror(errno));

	for (size_t i = 0; i < c->mounts.len; i++)
		do_mount(sync, &c->mounts.items[i], i);
	make_devices();
	if (c->hostname != NULL && sethostname(c->hostname, strlen(c->hostname)) < 0)
		fail(sync, 1, "sethostname: %s", strerror(errno));
	enter_root(sync);
	if (p->terminal)
		setup_terminal(sync, p, true);
	else
		take_stdio(sync, fds->stdio);
	if (hooks != NULL && hooks->create_container.len > 0) {
		/* The host's createRuntime hooks come first (runtime-spec). */
		handshake(sync, 'P');
		run_hooks(sync, c, who, &hooks->create_container, "createContainer", "creating");
	}
	/* After createContainer, as runc: those hooks may still write. */
	if (c->root != NULL && c->root->readonly &&
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		fail(sync, 1, "remount / read-only: %s", strerror(errno));
	security_sysctl(sync, c);
	security_readonly_paths(sync, c);
	security_mask_paths(sync, c);
	prepare_process(sync, c, p, exe, sizeof(exe));
	debug("container: prepared, %s is next", exe);
	handshake(sync, 'S');
	if (hooks != NULL)
		run_hooks(sync, c, who, &hooks->start_container, "startContainer", "created");
	debug("container: started");
	exec_now(sync, p, exe, fds);
}

/* The child's answer: "R", or "E<code>:<message>". */
/* One message from the child, and the fd it carries (a terminal's master,
 * "T"), if any. */
static ssize_t recv_message(int sync, char *msg, size_t size, int *fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = {msg, size};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = control.buf,
			    .msg_controllen = sizeof(control.buf)};
	ssize_t n;
	while ((n = recvmsg(sync, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n;
}

static int read_answer(int sync, struct agent_failure *f, bool eof_ok)
{
	char msg[600];
	ssize_t n;
	int fd = -1;
	while ((n = recv_message(sync, msg, sizeof(msg) - 1, &fd)) > 0 && msg[0] == 'T' &&
	       fd >= 0) {
		terminal_master = fd; /* the process's terminal: the agent relays it */
		fd = -1;
	}
	if (n == 0 && eof_ok)
		return 0;
	if (n <= 0) {
		failure_set(f, 1, "container process ended while being prepared");
		return -1;
	}
	msg[n] = '\0';
	if (msg[0] == 'R')
		return 0;
	int code = 1, skip = 0;
	if (sscanf(msg, "E%d:%n", &code, &skip) < 1 || skip == 0)
		skip = 0;
	failure_set(f, code, "%s", msg + skip);
	return -1;
}

pid_t container_create(const struct oci_config *c, const char *id, const char *bundle,
		       const struct process_fds *fds, int *sync, struct agent_failure *f)
{
	struct identity who = {id, bundle};
	int pair[2];
	if (c->process == NULL || c->process->args.len == 0) {
		failure_set(f, 1, "config.json has no process to run");
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
		failure_set(f, 1, "socketpair: %s", strerror(errno));
		return -1;
	}
	/* A raw clone acts as fork; the agent has one thread. */
	long pid = syscall(SYS_clone,
			   CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD, NULL,
			   NULL, NULL, NULL);
	if (pid < 0) {
		failure_set(f, 1, "clone: %s", strerror(errno));
		close(pair[0]);
		close(pair[1]);
		return -1;
	}
	if (pid == 0) {
		close(pair[0]);
		init_main(c, &who, fds, pair[1]);
	}
	close(pair[1]);
	*sync = pair[0];
	if (read_answer(*sync, f, false) < 0) {
		close(*sync);
		waitpid((pid_t)pid, NULL, 0);
		return -1;
	}
	return (pid_t)pid;
}

int container_prepare(int sync, struct agent_failure *f)
{
	if (send(sync, "P", 1, MSG_NOSIGNAL) != 1) {
		failure_set(f, 1, "container process is gone");
		return -1;
	}
	return read_answer(sync, f, false);
}

int container_start(int sync, struct agent_failure *f)
{
	if (send(sync, "S", 1, MSG_NOSIGNAL) != 1) {
		failure_set(f, 1, "container process is gone");
		return -1;
	}
	return read_answer(sync, f, true);
}

/* An exec'd process joins the container's namespaces: the PID namespace
 * through the agent's pid_for_children (so it is the agent's child, which
 * reaps it), the others in the child itself. */
static int open_ns(pid_t pid, const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static void __attribute__((noreturn))
exec_main(pid_t init, const struct oci_config *c, const struct oci_process *p,
	  const struct process_fds *fds, int sync)
{
	static const char *const namespaces[] = {"cgroup", "ipc", "uts", "mnt"};
	char exe[4096];
	join_cgroup(sync, fds);
	for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++) {
		int fd = open_ns(init, namespaces[i]);
		if (fd < 0 || setns(fd, 0) < 0)
			fail(sync, 1, "join the container's %s namespace: %s", namespaces[i],
			     strerror(errno));
		close(fd);
	}
	if (chdir("/") < 0)
		fail(sync, 1, "chdir /: %s", strerror(errno));
	if (p->terminal)
		setup_terminal(sync, p, false);
	else
		take_stdio(sync, fds->stdio);
	prepare_process(sync, c, p, exe, sizeof(exe));
	exec_now(sync, p, exe, fds);
}

/* A child in init's PID namespace (a process joins one only by being
 * forked there), joined to us by a SOCK_SEQPACKET pair: 0 in the child,
 * its pid in the parent, -1 and `f` when it could not be made; *sock is
 * the caller's end either side.  `what` names the job in messages. */
static pid_t fork_in_pid_ns(pid_t init, const char *what, int *sock, struct agent_failure *f)
{
	int pair[2] = {-1, -1};
	pid_t pid = -1;
	int own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	int theirs = open_ns(init, "pid");
	if (own < 0 || theirs < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
		failure_set(f, 1, "%s: %s", what, strerror(errno));
	} else if (setns(theirs, CLONE_NEWPID) < 0) {
		failure_set(f, 1, "%s: join the container's PID namespace: %s", what,
			    strerror(errno));
	} else {
		pid = fork();
		if (pid == 0) {
			close(pair[0]);
			close(own);
			close(theirs);
			*sock = pair[1];
			return 0;
		}
		if (setns(own, CLONE_NEWPID) < 0)
			report("%s: back to the agent's PID namespace: %s", what, strerror(errno));
		if (pid < 0)
			failure_set(f, 1, "%s: fork: %s", what, strerror(errno));
	}
	if (pair[1] >= 0)
		close(pair[1]);
	if (pid > 0)
		*sock = pair[0];
	else if (pair[0] >= 0)
		close(pair[0]);
	if (own >= 0)
		close(own);
	if (theirs >= 0)
		close(theirs);
	return pid;
}

pid_t container_exec(pid_t init, const struct oci_config *c, const struct oci_process *p,
		     const struct process_fds *fds, struct agent_failure *f)
{
	int sock;
	pid_t pid = fork_in_pid_ns(init, "exec", &sock, f);
	if (pid == 0)
		exec_main(init, c, p, fds, sock);
	if (pid < 0)
		return -1;
	if (read_answer(sock, f, true) < 0) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(sock);
	return pid;
}

/* The child in init's PID namespace: a procfs of its own, sent back. */
static void __attribute__((noreturn)) procfs_main(int sock)
{
	int fs = fsopen("proc", FSOPEN_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		_exit(1);
	int mnt = fsmount(fs, FSMOUNT_CLOEXEC,
			  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				  MOUNT_ATTR_NOEXEC);
	_exit(mnt >= 0 && fdpass_send(sock, mnt, "P", 1) == 1 ? 0 : 1);
}

int container_procfs(pid_t init, struct agent_failure *f)
{
	int sock, fd = -1;
	pid_t pid = fork_in_pid_ns(init, "the container's /proc", &sock, f);
	if (pid == 0)
		procfs_main(sock);
	if (pid < 0)
		return -1;
	char msg[8];
	if (recv_message(sock, msg, sizeof(msg), &fd) <= 0 || fd < 0)
		failure_set(f, 1, "the container's /proc: could not mount one in its namespace");
	waitpid(pid, NULL, 0);
	close(sock);
	return fd;
}
