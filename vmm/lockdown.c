/* The VMM's threads locked down (lockdown.h).  Each role's allow-list is
 * what its code calls, checked against what the test host's suites were
 * seen to call (VRUN_VMM_LOCKDOWN=log: the kernel's audit records of
 * calls off the list, type 1326); everything else — exec, mount, ptrace,
 * module loading, bpf, new namespaces, sockets other than unix ones —
 * kills the VMM.  Opening a file's contents outside virtio-fs fails. */
#include "vmm/lockdown.h"

#include "common/fs.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

static enum lockdown_mode mode = LOCKDOWN_OFF;
static bool switch_user;
static uid_t user_uid;
static gid_t user_gid;
static pthread_mutex_t failure_lock = PTHREAD_MUTEX_INITIALIZER;
static char failure[256];

/* Every thread: memory, locks, time, signals to its own process, and the
 * reads and writes of fds it already holds or makes (eventfds, pipes,
 * unix sockets). */
static const char *const base_calls[] = {
	"read",
	"write",
	"readv",
	"writev",
	"pread64",
	"pwrite64",
	"close",
	"lseek",
	"fstat",
	"newfstatat",
	"statx",
	"fcntl",
	"dup",
	"futex",
	"mmap",
	"munmap",
	"mremap",
	"mprotect",
	"madvise",
	"brk",
	"rt_sigprocmask",
	"rt_sigreturn",
	"rt_sigaction",
	"sigaltstack",
	"exit",
	"exit_group",
	"clock_gettime",
	"clock_nanosleep",
	"nanosleep",
	"gettid",
	"getpid",
	"sched_yield",
	"restart_syscall",
	"poll",
	"ppoll",
	"getrandom",
	"set_robust_list",
	"rseq",
	"sched_getaffinity",
	"epoll_wait",
	"epoll_pwait",
	"eventfd2",
	"pipe2",
	"shutdown",
	"sendmsg",
	"recvmsg",
	"sendto",
	"recvfrom",
	"getsockopt",
	"setsockopt",
	"splice",
	"accept4",
	"connect",
	NULL,
};

static const char *const no_calls[] = {NULL};
static const char *const supervisor_calls[] = {"epoll_ctl", NULL};
static const char *const loop_calls[] = {"epoll_ctl", NULL};
static const char *const fs_calls[] = {
	"openat",     "openat2",    "mkdirat",	   "unlinkat",	      "renameat2",    "renameat",
	"linkat",     "symlinkat",  "readlinkat",  "fchmod",	      "fchmodat",     "fchownat",
	"fchown",     "utimensat",  "fstatfs",	   "statfs",	      "fsync",	      "fdatasync",
	"fallocate",  "ftruncate",  "truncate",	   "copy_file_range", "getdents64",   "getxattr",
	"lgetxattr",  "fgetxattr",  "setxattr",	   "lsetxattr",	      "fsetxattr",    "listxattr",
	"llistxattr", "flistxattr", "removexattr", "lremovexattr",    "fremovexattr", "mknodat",
	"chmod",   /* (a node's /proc/self/fd/N) */
	"preadv",  /* a READ straight into the guest's buffers */
	"pwritev", /* a WRITE straight from them */
	NULL,
};

/* The ioctls each job makes once its thread runs; the others (creating
 * vCPUs, memory slots, taps) were made before. */
static const unsigned long vcpu_ioctls[] = {KVM_RUN,	  KVM_GET_REGS,	 KVM_GET_SREGS,
					    KVM_IRQ_LINE, TUNSETOFFLOAD, 0};
/* (The device work the loop and the vCPUs share: the first frame from the
 * tap sets its offloads, on whichever thread reads it.) */
static const unsigned long loop_ioctls[] = {KVM_IRQ_LINE, TUNSETOFFLOAD, 0};
static const unsigned long supervisor_ioctls[] = {TIOCGWINSZ, 0};
static const unsigned long no_ioctls[] = {0};

struct role {
	const char *name;
	const char *const *calls;
	const unsigned long *ioctls;
	/* Capabilities kept (effective and permitted); all others go, the
	 * bounding set with them. */
	const cap_value_t *caps;
	size_t nr_caps;
	bool connects; /* to the state dir's unix sockets (lockdown_set_user) */
};

/* virtio-fs answers for the guest's root, which owns every file: it
 * creates them as the guest's uid and gid, changes modes and times on
 * files it does not own, sets file capabilities. */
static const cap_value_t fs_caps[] = {CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
				      CAP_FOWNER, CAP_FSETID,	    CAP_SETFCAP};

static const struct role roles[LOCKDOWN_ROLES] = {
	[LOCKDOWN_SUPERVISOR] = {"vrun-vmm", supervisor_calls, supervisor_ioctls, NULL, 0},
	[LOCKDOWN_VM] = {"vrun-vm", no_calls, no_ioctls, NULL, 0},
	[LOCKDOWN_VCPU] = {"vrun-vcpu", no_calls, vcpu_ioctls, NULL, 0, true},
	[LOCKDOWN_LOOP] = {"vrun-loop", loop_calls, loop_ioctls, NULL, 0, true},
	[LOCKDOWN_FS] = {"vrun-fs", fs_calls, no_ioctls, fs_caps,
			 sizeof(fs_caps) / sizeof(fs_caps[0])},
	[LOCKDOWN_RELAY] = {"vrun-relay", no_calls, no_ioctls, NULL, 0},
	[LOCKDOWN_PROCVIEW] = {"vrun-procview", no_calls, no_ioctls, NULL, 0, true},
};

int lockdown_arm(const char *setting, struct error **err)
{
	if (setting == NULL || setting[0] == '\0' || strcmp(setting, "kill") == 0)
		mode = LOCKDOWN_KILL;
	else if (strcmp(setting, "log") == 0)
		mode = LOCKDOWN_LOG;
	else if (strcmp(setting, "off") == 0)
		mode = LOCKDOWN_OFF;
	else
		return error_set_kind(err, EINVAL,
				      "VRUN_VMM_LOCKDOWN=%s: expected kill, log or off", setting);
#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer's check at exit stops the world with clone and
	 * ptrace, which the filters forbid: it runs now instead, before any
	 * thread is locked down (SANITIZE builds). */
	if (mode != LOCKDOWN_OFF)
		__lsan_do_leak_check();
#endif
	return 0;
}

int lockdown_limits(struct error **err)
{
	const struct rlimit no_core = {0, 0};
	struct rlimit files;
	if (setrlimit(RLIMIT_CORE, &no_core) < 0)
		return error_set(err, errno, "no core file (RLIMIT_CORE)");
	if (getrlimit(RLIMIT_NOFILE, &files) < 0)
		return error_set(err, errno, "RLIMIT_NOFILE");
	rlim_t want = LOCKDOWN_MAX_FILES;
	/* The kernel's own ceiling; unreadable (no /proc) leaves ours. */
	char *nr_open = NULL;
	struct error *ignored = NULL;
	if (fs_read_file_at(AT_FDCWD, "/proc/sys/fs/nr_open", "fs.nr_open", 64, &nr_open, NULL,
			    &ignored) == 0) {
		rlim_t kernel_max = (rlim_t)strtoull(nr_open, NULL, 10);
		if (kernel_max > 0 && kernel_max < want)
			want = kernel_max;
	}
	free(nr_open);
	error_release(&ignored);
	if (files.rlim_max < want) {
		struct rlimit raised = {want, want};
		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			return 0;
	}
	files.rlim_cur = files.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &files) < 0)
		return error_set(err, errno, "open files up to %llu (RLIMIT_NOFILE)",
				 (unsigned long long)files.rlim_max);
	return 0;
}

void lockdown_set_user(uid_t uid, gid_t gid)
{
	switch_user = true;
	user_uid = uid;
	user_gid = gid;
}

int lockdown_user(uid_t *uid, gid_t *gid)
{
	if (!switch_user)
		return -1;
	*uid = user_uid;
	*gid = user_gid;
	return 0;
}

enum lockdown_mode lockdown_mode(void)
{
	return mode;
}

const char *lockdown_role_name(enum lockdown_role role)
{
	return role < LOCKDOWN_ROLES ? roles[role].name : "?";
}

const char *lockdown_failure(void)
{
	pthread_mutex_lock(&failure_lock);
	const char *f = failure[0] != '\0' ? failure : NULL;
	pthread_mutex_unlock(&failure_lock);
	return f;
}

/* The user of lockdown_set_user, for this thread only: glibc's setuid
 * would change every thread (with a signal each handles), and the others
 * have their own turn.  Capabilities are kept across (KEEPCAPS) for
 * drop_caps to choose from. */
static int take_user(struct error **err)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return error_set(err, errno, "keep the capabilities (PR_SET_KEEPCAPS)");
	if (syscall(SYS_setgroups, 0, NULL) < 0)
		return error_set(err, errno, "no supplementary groups");
	if (syscall(SYS_setresgid, user_gid, user_gid, user_gid) < 0)
		return error_set(err, errno, "gid %u", (unsigned)user_gid);
	if (syscall(SYS_setresuid, user_uid, user_uid, user_uid) < 0)
		return error_set(err, errno, "uid %u", (unsigned)user_uid);
	return 0;
}

/* Only the role's, in every set of this thread; no ambient ones. */
static int drop_caps(const struct role *r, struct error **err)
{
	cap_value_t keep[CAP_LAST_CAP + 1];
	size_t n = 0;
	for (size_t i = 0; i < r->nr_caps; i++)
		keep[n++] = r->caps[i];
	if (switch_user && r->connects)
		keep[n++] = CAP_DAC_READ_SEARCH;
	for (cap_value_t v = 0; v <= CAP_LAST_CAP; v++) {
		bool kept = false;
		for (size_t i = 0; i < n; i++)
			kept = kept || keep[i] == v;
		if (!kept && prctl(PR_CAPBSET_DROP, (unsigned long)v, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			return error_set(err, errno, "drop %s from the bounding set",
					 cap_to_name(v));
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (switch_user && take_user(err) < 0)
		return -1;
	cap_t caps = cap_init();
	if (caps == NULL)
		return error_set(err, errno, "capabilities");
	int ret = 0;
	if (n > 0 && (cap_set_flag(caps, CAP_EFFECTIVE, (int)n, keep, CAP_SET) < 0 ||
		      cap_set_flag(caps, CAP_PERMITTED, (int)n, keep, CAP_SET) < 0))
		ret = error_set(err, errno, "capabilities");
	else if (cap_set_proc(caps) < 0)
		ret = error_set(err, errno, "set the capabilities");
	cap_free(caps);
	return ret;
}

static int allow(scmp_filter_ctx ctx, const char *name, struct error **err)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* not a call of this architecture */
	int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	return r < 0 ? error_set(err, -r, "seccomp: allow %s", name) : 0;
}

/* Calls allowed only with some arguments: threads (CLONE_THREAD; clone3's
 * flags sit in memory a filter cannot read, so it says ENOSYS and glibc
 * falls back to clone), signals to our own threads (the vCPU kick,
 * abort()), unix sockets, naming a thread and asking whether it is
 * filtered (lockdown_thread in a thread a locked one started), O_PATH
 * opens (a unix socket's directory, for a path longer than sun_path:
 * common/unix_socket.c; nothing is read or written through one), and the
 * role's ioctls. */
static int allow_with_args(scmp_filter_ctx ctx, const struct role *role, struct error **err)
{
	int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				 SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				     SCMP_A2(SCMP_CMP_MASKED_EQ, O_PATH, O_PATH));
	/* Any other open fails (EACCES) rather than kill: glibc opens files
	 * on its own in any thread (malloc reads overcommit_memory the first
	 * time a thread's heap shrinks), and copes when it cannot. */
	if (r == 0 && role != &roles[LOCKDOWN_FS] && mode == LOCKDOWN_KILL)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 1,
				     SCMP_A2(SCMP_CMP_MASKED_EQ, O_PATH, 0));
	static const int prctls[] = {PR_SET_NAME, PR_GET_SECCOMP};
	for (size_t i = 0; r == 0 && i < sizeof(prctls) / sizeof(prctls[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)prctls[i]));
	for (size_t i = 0; r == 0 && role->ioctls[i] != 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)role->ioctls[i]));
	return r < 0 ? error_set(err, -r, "seccomp: the rules with arguments") : 0;
}

static int install_filter(const struct role *r, struct error **err)
{
	scmp_filter_ctx ctx =
		seccomp_init(mode == LOCKDOWN_LOG ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL)
		return error_set_kind(err, ENOMEM, "seccomp: no filter");
	/* A binary tree of the call numbers rather than a chain: the vCPU's
	 * KVM_RUN and virtio-fs's calls run the filter on every exit and
	 * request (the kernel's cache skips it only for calls allowed
	 * whatever their arguments). */
	int ret = 0, o = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (o < 0)
		log_debug("seccomp: no binary tree (%s); a chain", strerror(-o));
	ret = allow_with_args(ctx, r, err);
	for (size_t i = 0; ret == 0 && base_calls[i] != NULL; i++)
		ret = allow(ctx, base_calls[i], err);
	for (size_t i = 0; ret == 0 && r->calls[i] != NULL; i++)
		ret = allow(ctx, r->calls[i], err);
	if (ret == 0) {
		int l = seccomp_load(ctx);
		if (l < 0)
			ret = error_set(err, -l, "seccomp: load the filter");
	}
	seccomp_release(ctx);
	return ret;
}

int lockdown_thread(enum lockdown_role role, struct error **err)
{
	if (role >= LOCKDOWN_ROLES)
		return error_set_kind(err, EINVAL, "lockdown: role %d", (int)role);
	const struct role *r = &roles[role];
	prctl(PR_SET_NAME, r->name, 0, 0, 0);
	/* Started by a locked-down thread: it has that one's filter and
	 * capabilities already, and could not change them. */
	if (mode == LOCKDOWN_OFF || prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2)
		return 0;
	int ret = drop_caps(r, err);
	if (ret == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		ret = error_set(err, errno, "no_new_privs");
	if (ret == 0)
		ret = install_filter(r, err);
	if (ret < 0) {
		error_wrap(err, "lock down the VMM's %s thread", r->name);
		pthread_mutex_lock(&failure_lock);
		if (failure[0] == '\0')
			snprintf(failure, sizeof(failure), "%s", (*err)->msg);
		pthread_mutex_unlock(&failure_lock);
	}
	return ret;
}
