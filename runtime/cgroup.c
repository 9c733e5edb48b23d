#include "runtime/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"

/* Appends "/" component to out; false when it does not fit. */
static bool append(char *out, size_t size, const char *component, size_t len)
{
	size_t used = strlen(out);
	if (used + 1 + len + 1 > size)
		return false;
	out[used] = '/';
	memcpy(out + used + 1, component, len);
	out[used + 1 + len] = '\0';
	return true;
}

/* The next component of the slash-separated path at *p (its length in
 * *len), *p moved past it; NULL at the end. */
static const char *next_component(const char **p, size_t *len)
{
	while (**p == '/')
		(*p)++;
	*len = strcspn(*p, "/");
	if (*len == 0)
		return NULL;
	const char *start = *p;
	*p += *len;
	return start;
}

/* "/a/./b//c" cleaned onto out; ".." is refused (a cgroup path never
 * needs to climb). */
static int clean_onto(const char *path, char *out, size_t size, const char *what,
		      struct error **err)
{
	const char *rest = path, *p;
	size_t len;
	while ((p = next_component(&rest, &len)) != NULL) {
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return error_set_kind(err, EINVAL, "cgroupsPath '%s': '..' in %s", path,
					      what);
		if (!(len == 1 && p[0] == '.') && !append(out, size, p, len))
			return error_set_kind(err, ENAMETOOLONG, "cgroupsPath '%s' is too long",
					      path);
	}
	return 0;
}

/* "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice" onto out. */
static int expand_slice(const char *whole, const char *slice, size_t len, char *out, size_t size,
			struct error **err)
{
	static const char suffix[] = ".slice";
	if (len == 7 && memcmp(slice, "-.slice", 7) == 0) /* the root slice */
		return 0;
	size_t base = len - (sizeof(suffix) - 1);
	if (len < sizeof(suffix) || memcmp(slice + base, suffix, sizeof(suffix) - 1) != 0 ||
	    memchr(slice, '/', len) != NULL || slice[0] == '-' || slice[base - 1] == '-')
		return error_set_kind(err, EINVAL, "cgroupsPath '%s': '%.*s' is not a slice name",
				      whole, (int)len, slice);
	char unit[256];
	for (size_t i = 0; i <= base; i++) {
		if (i < base && slice[i] != '-')
			continue;
		if (i + sizeof(suffix) > sizeof(unit) || (i < base && slice[i + 1] == '-'))
			return error_set_kind(err, EINVAL,
					      "cgroupsPath '%s': '%.*s' is not a slice name", whole,
					      (int)len, slice);
		memcpy(unit, slice, i);
		memcpy(unit + i, suffix, sizeof(suffix));
		if (!append(out, size, unit, strlen(unit)))
			return error_set_kind(err, ENAMETOOLONG, "cgroupsPath '%s' is too long",
					      whole);
	}
	return 0;
}

static int resolve_systemd(const char *path, char *out, size_t size, struct error **err)
{
	const char *c1 = strchr(path, ':'), *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	if (c2 == NULL || strchr(c2 + 1, ':') != NULL || c2[1] == '\0')
		return error_set_kind(err, EINVAL,
				      "cgroupsPath '%s': with --systemd-cgroup it is "
				      "slice:prefix:name",
				      path);
	size_t slice_len = (size_t)(c1 - path), prefix_len = (size_t)(c2 - c1 - 1);
	const char *name = c2 + 1;
	if (slice_len == 0 ? expand_slice(path, "system.slice", 12, out, size, err) < 0
			   : expand_slice(path, path, slice_len, out, size, err) < 0)
		return -1;
	char unit[256];
	size_t name_len = strlen(name);
	int n;
	if (name_len > 6 && strcmp(name + name_len - 6, ".slice") == 0)
		n = snprintf(unit, sizeof(unit), "%s", name);
	else if (prefix_len > 0)
		n = snprintf(unit, sizeof(unit), "%.*s-%s.scope", (int)prefix_len, c1 + 1, name);
	else
		n = snprintf(unit, sizeof(unit), "%s.scope", name);
	if (n < 0 || (size_t)n >= sizeof(unit) || strchr(unit, '/') != NULL ||
	    strcmp(unit, "..") == 0 || !append(out, size, unit, (size_t)n))
		return error_set_kind(err, EINVAL, "cgroupsPath '%s': '%s' is not a unit name",
				      path, unit);
	return 0;
}

int cgroup_resolve(const char *cgroups_path, bool systemd, const char *self, char *out, size_t size,
		   struct error **err)
{
	out[0] = '\0';
	if (cgroups_path == NULL || cgroups_path[0] == '\0')
		return 0;
	if (systemd)
		return resolve_systemd(cgroups_path, out, size, err);
	if (cgroups_path[0] != '/' && clean_onto(self, out, size, "the caller's cgroup", err) < 0)
		return -1;
	if (clean_onto(cgroups_path, out, size, "the path", err) < 0)
		return -1;
	if (out[0] == '\0')
		return error_set_kind(err, EINVAL,
				      "cgroupsPath '%s' names the root cgroup: a container needs "
				      "one of its own",
				      cgroups_path);
	return 0;
}

void cgroup_self(char *out, size_t size)
{
	snprintf(out, size, "/");
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (f == NULL)
		return;
	char line[4096];
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, size, "%s", line + 3);
			break;
		}
	}
	fclose(f);
}

bool cgroup_v2_available(void)
{
	struct statfs s;
	return statfs(CGROUP_ROOT, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
}

/* Writes `value` to dir/name; the error names the file. */
static int write_at(int dirfd, const char *path, const char *name, const char *value,
		    struct error **err)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return error_set(err, errno,
				 "cgroup %s: %s (is its controller enabled in the parent's "
				 "cgroup.subtree_control?)",
				 path, name);
	if (fd < 0)
		return error_set(err, errno, "cgroup %s: %s", path, name);
	int ret = fs_write_all(fd, value, strlen(value));
	int saved = errno;
	close(fd);
	if (ret < 0)
		return error_set(err, saved, "cgroup %s: writing '%s' to %s", path, value, name);
	return 0;
}

static int write_limits(int dirfd, const char *path, const struct oci_resources *r,
			struct error **err)
{
	char v[64];
	const struct oci_memory *m = r->memory;
	if (m != NULL && m->limit.set && m->limit.value != 0) {
		if (m->limit.value > 0)
			snprintf(v, sizeof(v), "%" PRId64, m->limit.value);
		else
			snprintf(v, sizeof(v), "max");
		if (write_at(dirfd, path, "memory.max", v, err) < 0)
			return -1;
		/* OCI's swap is memory and swap together; v2's is swap alone. */
		if (m->swap.set && m->swap.value != 0) {
			if (m->swap.value < 0 || m->limit.value < 0)
				snprintf(v, sizeof(v), "max");
			else if (m->swap.value < m->limit.value)
				return error_set_kind(err, EINVAL,
						      "linux.resources.memory.swap (%" PRId64
						      ") is below memory.limit (%" PRId64
						      "): it counts both",
						      m->swap.value, m->limit.value);
			else
				snprintf(v, sizeof(v), "%" PRId64, m->swap.value - m->limit.value);
			if (write_at(dirfd, path, "memory.swap.max", v, err) < 0)
				return -1;
		}
	}
	const struct oci_cpu *c = r->cpu;
	if (c == NULL)
		return 0;
	if (c->quota.set && c->quota.value != 0) {
		uint64_t period = c->period.set && c->period.value > 0 ? c->period.value : 100000;
		if (c->quota.value > 0)
			snprintf(v, sizeof(v), "%" PRId64 " %" PRIu64, c->quota.value, period);
		else
			snprintf(v, sizeof(v), "max %" PRIu64, period);
		if (write_at(dirfd, path, "cpu.max", v, err) < 0)
			return -1;
	}
	if (c->shares.set && c->shares.value != 0) {
		uint64_t s = c->shares.value < 2	? 2
			     : c->shares.value > 262144 ? 262144
							: c->shares.value;
		snprintf(v, sizeof(v), "%" PRIu64, 1 + ((s - 2) * 9999) / 262142);
		if (write_at(dirfd, path, "cpu.weight", v, err) < 0)
			return -1;
	}
	if (c->cpus != NULL && c->cpus[0] != '\0' &&
	    write_at(dirfd, path, "cpuset.cpus", c->cpus, err) < 0)
		return -1;
	if (c->mems != NULL && c->mems[0] != '\0' &&
	    write_at(dirfd, path, "cpuset.mems", c->mems, err) < 0)
		return -1;
	return 0;
}

int cgroup_enter_at(int rootfd, const char *path, const struct oci_resources *r, int pid,
		    struct error **err)
{
	static const char *const controllers[] = {"+cpu", "+cpuset", "+memory", "+io", "+pids"};
	int dirfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	if (dirfd < 0)
		return error_set(err, errno, "cgroup %s", path);
	const char *rest = path, *p;
	size_t len;
	while ((p = next_component(&rest, &len)) != NULL) {
		/* Let children have the controllers, as far as this level may
		 * (a parent that does not have one makes this fail: fine). */
		for (size_t i = 0; i < sizeof(controllers) / sizeof(controllers[0]); i++) {
			int fd = openat(dirfd, "cgroup.subtree_control", O_WRONLY | O_CLOEXEC);
			if (fd >= 0) {
				(void)!write(fd, controllers[i], strlen(controllers[i]));
				close(fd);
			}
		}
		char name[256];
		if (len >= sizeof(name)) {
			close(dirfd);
			return error_set_kind(err, ENAMETOOLONG,
					      "cgroup %s: a component is too long", path);
		}
		memcpy(name, p, len);
		name[len] = '\0';
		if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST) {
			int saved = errno;
			close(dirfd);
			return error_set(err, saved, "cgroup %s: mkdir %s", path, name);
		}
		int next = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int saved = errno;
		close(dirfd);
		if (next < 0)
			return error_set(err, saved, "cgroup %s: %s", path, name);
		dirfd = next;
	}
	char pidtext[16];
	snprintf(pidtext, sizeof(pidtext), "%d", pid);
	int ret = (r != NULL ? write_limits(dirfd, path, r, err) : 0) < 0
			  ? -1
			  : write_at(dirfd, path, "cgroup.procs", pidtext, err);
	close(dirfd);
	return ret;
}

void cgroup_remove_at(int rootfd, const char *path)
{
	const char *rel = path;
	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		return;
	/* The VMM's own children (relays) may still be on their way out: try
	 * for up to 2 s. */
	for (int i = 0;; i++) {
		if (unlinkat(rootfd, rel, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return;
		if (errno != EBUSY || i == 200)
			break;
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	log_warning("cgroup %s: not removed: %s", path, strerror(errno));
}

int cgroup_place_self(const char *path, const struct oci_resources *r, int state_dirfd,
		      struct error **err)
{
	if (path[0] == '\0')
		return 0;
	if (!cgroup_v2_available()) {
		log_warning("cgroup %s: %s is not a cgroup v2 hierarchy: the VM stays in its "
			    "parent's cgroups, without the container's limits",
			    path, CGROUP_ROOT);
		return 0;
	}
	int rootfd = open(CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return error_set(err, errno, "%s", CGROUP_ROOT);
	int ret = cgroup_enter_at(rootfd, path, r, 0, err);
	close(rootfd);
	if (ret < 0)
		return -1;
	return fs_write_file_atomic(state_dirfd, CGROUP_FILE, path, strlen(path), 0600, err);
}

int cgroup_update(int state_dirfd, const char *id, const struct oci_resources *r,
		  struct error **err)
{
	cleanup_free char *path = NULL;
	if (fs_read_file_at(state_dirfd, CGROUP_FILE, CGROUP_FILE, 4096, &path, NULL, err) < 0) {
		if ((*err)->errnum != ENOENT)
			return -1;
		error_release(err);
		return error_set_kind(err, ENOENT,
				      "container %s has no cgroup of its own (no linux.cgroupsPath "
				      "at create, or no cgroup v2 here): no limits to change",
				      id);
	}
	const char *rel = path;
	while (*rel == '/')
		rel++;
	int dirfd = openat(AT_FDCWD, CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = dirfd < 0 ? -1 : openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int saved = errno;
	if (dirfd >= 0)
		close(dirfd);
	if (fd < 0)
		return error_set(err, saved, "cgroup %s", path);
	int ret = write_limits(fd, path, r, err);
	close(fd);
	return ret;
}

void cgroup_release(int state_dirfd)
{
	cleanup_free char *path = NULL;
	struct error *err = NULL;
	if (fs_read_file_at(state_dirfd, CGROUP_FILE, CGROUP_FILE, 4096, &path, NULL, &err) < 0) {
		error_release(&err);
		return;
	}
	int rootfd = open(CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return;
	cgroup_remove_at(rootfd, path);
	close(rootfd);
}
