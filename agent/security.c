/* The OCI process security model in the guest: capabilities (libcap),
 * noNewPrivileges, the seccomp profile (libseccomp) and oomScoreAdj for
 * each process; maskedPaths, readonlyPaths and sysctl for the container.
 * The order is runc's: the bounding set before the user changes, the
 * other sets after it; the seccomp filter last when noNewPrivileges lets
 * it load without privilege, else before the capabilities go. */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/fs.h"

/* ---- capabilities ---- */

/* The capabilities of `names` this kernel knows, as a bit set; a name
 * libcap does not know is skipped (runc warns and goes on). */
static uint64_t cap_set_of(const struct oci_strings *names, const char *which)
{
	uint64_t set = 0;
	for (size_t i = 0; i < names->len; i++) {
		cap_value_t v;
		if (cap_from_name(names->items[i], &v) < 0 || v < 0 || v >= 64) {
			debug("capabilities: %s %s: unknown, skipped", which, names->items[i]);
			continue;
		}
		if (v < cap_max_bits())
			set |= 1ull << v;
	}
	return set;
}

void security_bounding(int sync, const struct oci_process *p)
{
	if (p->capabilities == NULL)
		return;
	uint64_t keep = cap_set_of(&p->capabilities->bounding, "bounding");
	for (cap_value_t v = 0; v < cap_max_bits(); v++)
		if (!(keep & (1ull << v)) && prctl(PR_CAPBSET_DROP, (unsigned long)v, 0, 0, 0) < 0)
			fail(sync, 1, "capabilities: drop %s from the bounding set: %s",
			     cap_to_name(v), strerror(errno));
	/* The permitted set outlives the change of user; set_caps trims it. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		fail(sync, 1, "capabilities: keep them across setuid: %s", strerror(errno));
}

void security_caps(int sync, const struct oci_process *p)
{
	if (p->capabilities == NULL)
		return;
	const struct oci_capabilities *c = p->capabilities;
	static const cap_flag_t flags[] = {CAP_EFFECTIVE, CAP_PERMITTED, CAP_INHERITABLE};
	uint64_t sets[] = {cap_set_of(&c->effective, "effective"),
			   cap_set_of(&c->permitted, "permitted"),
			   cap_set_of(&c->inheritable, "inheritable")};
	uint64_t ambient = cap_set_of(&c->ambient, "ambient");
	cap_t caps = cap_init();
	if (caps == NULL)
		fail(sync, 1, "capabilities: %s", strerror(errno));
	for (size_t f = 0; f < 3; f++)
		for (cap_value_t v = 0; v < 64; v++)
			if ((sets[f] & (1ull << v)) &&
			    cap_set_flag(caps, flags[f], 1, &v, CAP_SET) < 0)
				fail(sync, 1, "capabilities: %s", strerror(errno));
	if (cap_set_proc(caps) < 0)
		fail(sync, 1, "capabilities: set them: %s", strerror(errno));
	cap_free(caps);
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	/* Ambient ones must be permitted and inheritable: the kernel says
	 * EPERM otherwise, which runc passes over too. */
	for (cap_value_t v = 0; v < 64; v++)
		if ((ambient & (1ull << v)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)v, 0, 0) < 0)
			debug("capabilities: ambient %s: %s", cap_to_name(v), strerror(errno));
}

/* ---- seccomp ---- */

static const struct {
	const char *name;
	enum scmp_compare op;
} seccomp_ops[] = {
	{"SCMP_CMP_NE", SCMP_CMP_NE},
	{"SCMP_CMP_LT", SCMP_CMP_LT},
	{"SCMP_CMP_LE", SCMP_CMP_LE},
	{"SCMP_CMP_EQ", SCMP_CMP_EQ},
	{"SCMP_CMP_GE", SCMP_CMP_GE},
	{"SCMP_CMP_GT", SCMP_CMP_GT},
	{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* libseccomp's action for an OCI action name; 0 and `f` when unknown. */
static int seccomp_action(const char *name, const oci_opt_uint64 *errno_ret, uint32_t *out,
			  struct agent_failure *f)
{
	uint32_t ret = errno_ret != NULL && errno_ret->set ? (uint32_t)errno_ret->value : EPERM;
	if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
		*out = SCMP_ACT_ALLOW;
	else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
		*out = SCMP_ACT_ERRNO(ret);
	else if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
		*out = SCMP_ACT_KILL_THREAD;
	else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
		*out = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
		*out = SCMP_ACT_TRAP;
	else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
		*out = SCMP_ACT_TRACE(ret);
	else if (strcmp(name, "SCMP_ACT_LOG") == 0)
		*out = SCMP_ACT_LOG;
	else {
		failure_set(f, 1, "seccomp: action %s is not supported", name);
		return -1;
	}
	return 0;
}

/* "SCMP_ARCH_X86_64" → libseccomp's token for it, 0 when unknown. */
static uint32_t seccomp_arch(const char *name)
{
	char lower[32];
	const char *s = strncmp(name, "SCMP_ARCH_", 10) == 0 ? name + 10 : name;
	size_t n = 0;
	for (; s[n] != '\0' && n < sizeof(lower) - 1; n++)
		lower[n] = (char)(s[n] >= 'A' && s[n] <= 'Z' ? s[n] - 'A' + 'a' : s[n]);
	lower[n] = '\0';
	return seccomp_arch_resolve_name(lower);
}

/* One syscall entry: its conditions all at once (AND), or, when two
 * name the same argument, a rule for each (OR), as runc does. */
static int seccomp_rule(scmp_filter_ctx ctx, uint32_t action, int nr,
			const struct oci_seccomp_syscall *s, struct agent_failure *f)
{
	struct scmp_arg_cmp cmps[6];
	bool repeated = false;
	size_t n = s->args.len;
	if (n > 6) {
		failure_set(f, 1, "seccomp: more than 6 argument conditions");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct oci_seccomp_arg *a = &s->args.items[i];
		size_t o = 0;
		while (o < sizeof(seccomp_ops) / sizeof(seccomp_ops[0]) &&
		       (a->op == NULL || strcmp(seccomp_ops[o].name, a->op) != 0))
			o++;
		if (o == sizeof(seccomp_ops) / sizeof(seccomp_ops[0]) || a->index > 5) {
			failure_set(f, 1, "seccomp: argument condition %s on argument %u",
				    a->op ? a->op : "(none)", a->index);
			return -1;
		}
		cmps[i] =
			(struct scmp_arg_cmp){a->index, seccomp_ops[o].op, a->value, a->value_two};
		for (size_t j = 0; j < i; j++)
			repeated = repeated || cmps[j].arg == cmps[i].arg;
	}
	int r = 0;
	if (!repeated)
		r = seccomp_rule_add_array(ctx, action, nr, (unsigned)n, cmps);
	for (size_t i = 0; repeated && r == 0 && i < n; i++)
		r = seccomp_rule_add_array(ctx, action, nr, 1, &cmps[i]);
	/* -EACCES: the default action already; -EINVAL/-EDOM for a
	 * syscall of another architecture. */
	if (r < 0 && r != -EACCES && r != -EDOM && r != -EINVAL) {
		failure_set(f, 1, "seccomp: rule for syscall %d: %s", nr, strerror(-r));
		return -1;
	}
	return 0;
}

void *security_seccomp_build(const struct oci_seccomp *sc, struct agent_failure *f)
{
	uint32_t def;
	if (sc == NULL)
		return NULL;
	if (sc->listener_path != NULL && sc->listener_path[0] != '\0') {
		failure_set(f, 1, "seccomp: listenerPath (SCMP_ACT_NOTIFY) is not supported");
		return NULL;
	}
	if (sc->default_action == NULL ||
	    seccomp_action(sc->default_action, &sc->default_errno_ret, &def, f) < 0) {
		if (sc->default_action == NULL)
			failure_set(f, 1, "seccomp: no defaultAction");
		return NULL;
	}
	scmp_filter_ctx ctx = seccomp_init(def);
	if (ctx == NULL) {
		failure_set(f, 1, "seccomp: init failed");
		return NULL;
	}
	/* noNewPrivileges is the config's to set, not libseccomp's. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; i < sc->architectures.len; i++) {
		uint32_t arch = seccomp_arch(sc->architectures.items[i]);
		int r = arch != 0 ? seccomp_arch_add(ctx, arch) : -EINVAL;
		if (r < 0 && r != -EEXIST)
			debug("seccomp: architecture %s: %s", sc->architectures.items[i],
			      strerror(-r));
	}
	for (size_t i = 0; i < sc->flags.len; i++) {
		const char *flag = sc->flags.items[i];
		if (strcmp(flag, "SECCOMP_FILTER_FLAG_LOG") == 0)
			seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
		else if (strcmp(flag, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
			seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
		else if (strcmp(flag, "SECCOMP_FILTER_FLAG_TSYNC") != 0)
			debug("seccomp: flag %s: not supported, ignored", flag);
	}
	for (size_t i = 0; i < sc->syscalls.len; i++) {
		const struct oci_seccomp_syscall *s = &sc->syscalls.items[i];
		uint32_t action;
		if (s->action == NULL || seccomp_action(s->action, &s->errno_ret, &action, f) < 0) {
			if (s->action == NULL)
				failure_set(f, 1, "seccomp: a syscalls entry without an action");
			seccomp_release(ctx);
			return NULL;
		}
		for (size_t n = 0; n < s->names.len; n++) {
			int nr = seccomp_syscall_resolve_name(s->names.items[n]);
			if (nr == __NR_SCMP_ERROR)
				continue; /* not a syscall here: runc skips it too */
			if (seccomp_rule(ctx, action, nr, s, f) < 0) {
				seccomp_release(ctx);
				return NULL;
			}
		}
	}
	return ctx;
}

void security_seccomp_load(int sync, void *ctx)
{
	if (ctx == NULL)
		return;
	int r = seccomp_load(ctx);
	if (r < 0)
		fail(sync, 1, "seccomp: load the filter: %s", strerror(-r));
	seccomp_release(ctx);
}

/* ---- the rest of the process ---- */

void security_no_new_privs(int sync, const struct oci_process *p)
{
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(sync, 1, "noNewPrivileges: %s", strerror(errno));
}

void security_oom_score_adj(int sync, const struct oci_process *p)
{
	char text[32];
	if (!p->oom_score_adj.set)
		return;
	int n = snprintf(text, sizeof(text), "%lld", (long long)p->oom_score_adj.value);
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fs_write_all(fd, text, (size_t)n) < 0)
		fail(sync, 1, "oomScoreAdj %s: %s", text, strerror(errno));
	close(fd);
}

/* ---- the container's /proc/sys and paths ---- */

void security_sysctl(int sync, const struct oci_config *c)
{
	if (c->linux_ == NULL)
		return;
	for (size_t i = 0; i < c->linux_->sysctl.len; i++) {
		const char *key = c->linux_->sysctl.items[i].key;
		const char *value = c->linux_->sysctl.items[i].value;
		char path[512];
		int n = snprintf(path, sizeof(path), "/proc/sys/%s", key);
		if (n < 0 || (size_t)n >= sizeof(path) || strstr(key, "..") != NULL ||
		    key[0] == '/')
			fail(sync, 1, "sysctl %s: not a sysctl name", key);
		for (char *s = path + 10; *s != '\0'; s++)
			if (*s == '.')
				*s = '/';
		int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || fs_write_all(fd, value, strlen(value)) < 0)
			fail(sync, 1, "sysctl %s=%s: %s", key, value, strerror(errno));
		close(fd);
	}
}

void security_mask_paths(int sync, const struct oci_config *c)
{
	if (c->linux_ == NULL)
		return;
	for (size_t i = 0; i < c->linux_->masked_paths.len; i++) {
		const char *path = c->linux_->masked_paths.items[i];
		struct stat st;
		if (lstat(path, &st) < 0) {
			if (errno == ENOENT)
				continue;
			fail(sync, 1, "maskedPaths %s: %s", path, strerror(errno));
		}
		/* A directory: an empty read-only tmpfs; anything else:
		 * /dev/null, as runc does. */
		int r = S_ISDIR(st.st_mode)
				? mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0,mode=0555")
				: mount("/dev/null", path, NULL, MS_BIND, NULL);
		if (r < 0)
			fail(sync, 1, "maskedPaths %s: %s", path, strerror(errno));
	}
}

void security_readonly_paths(int sync, const struct oci_config *c)
{
	if (c->linux_ == NULL)
		return;
	for (size_t i = 0; i < c->linux_->readonly_paths.len; i++) {
		const char *path = c->linux_->readonly_paths.items[i];
		struct statvfs vfs;
		if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue;
			fail(sync, 1, "readonlyPaths %s: %s", path, strerror(errno));
		}
		/* The flags it has stay (a bind remount may not clear
		 * nosuid, nodev or noexec where they are locked). */
		unsigned long keep = 0;
		if (statvfs(path, &vfs) == 0)
			keep = vfs.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC);
		if (mount(path, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) < 0)
			fail(sync, 1, "readonlyPaths %s: %s", path, strerror(errno));
	}
}
