/* The container's /proc on the host, as a FUSE file system (procview.h).
 * Node ids: the fixed ones below, and for a process (pid << 8) | kind. */
#include "runtime/procview.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/beneath.h"
#include "common/host_module.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "vmm/lockdown.h"

#define PID_MAX		4194304	     /* the kernel's PID_MAX_LIMIT */
#define REFRESH_NS	1000000000LL /* a snapshot older than this is taken again */
#define MISS_REFRESH_NS 100000000LL  /* ... or than this, for a pid it lacks */
#define TIMEOUT_LONG	86400	     /* seconds: names that never change */

enum {
	NODE_HOST = 2, /* FUSE_ROOT_ID is 1 */
	NODE_SELF,
	NODE_THREAD_SELF,
	NODE_STAT,
	NODE_UPTIME,
};

enum kind { KIND_DIR = 1, KIND_STAT, KIND_STATUS, KIND_CMDLINE, KIND_NS, KIND_NSPID };

struct entry {
	const char *name;
	uint64_t node; /* a fixed node, or a kind beneath a process */
};

static const struct entry root_entries[] = {
	{".host", NODE_HOST}, {"self", NODE_SELF},     {"thread-self", NODE_THREAD_SELF},
	{"stat", NODE_STAT},  {"uptime", NODE_UPTIME},
};
static const struct entry pid_entries[] = {
	{"stat", KIND_STAT}, {"status", KIND_STATUS}, {"cmdline", KIND_CMDLINE}, {"ns", KIND_NS}};
static const struct entry ns_entries[] = {{"pid", KIND_NSPID}};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t node_pid(uint64_t node)
{
	return (uint32_t)(node >> 8);
}

static enum kind node_kind(uint64_t node)
{
	return (enum kind)(node & 0xff);
}

/* ---- snapshots ---- */

void procview_snapshot_release(struct procview_snapshot *s)
{
	free(s->data);
	free(s->stat);
	free(s->procs);
	*s = (struct procview_snapshot){0};
}

/* "pid:[N]", as the kernel writes it: anything else could send a host
 * tool that follows the link somewhere else. */
static bool pidns_link_ok(const char *p, uint32_t len)
{
	if (len < 7 || len > 32 || memcmp(p, "pid:[", 5) != 0 || p[len - 1] != ']')
		return false;
	for (uint32_t i = 5; i < len - 1; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* The guest's /proc/stat with its btime line the host's. */
static void host_stat(struct procview_snapshot *s, const char *stat, size_t len, int64_t btime)
{
	char *out = NULL;
	size_t out_len = 0;
	FILE *f = open_memstream(&out, &out_len);
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(stat + at, '\n', len - at);
		size_t line = nl != NULL ? (size_t)(nl - (stat + at)) + 1 : len - at;
		if (line < 6 || memcmp(stat + at, "btime ", 6) != 0)
			fwrite(stat + at, 1, line, f);
		at += line;
	}
	fprintf(f, "btime %lld\n", (long long)btime);
	fclose(f);
	s->stat = out;
	s->stat_len = out_len;
}

static const struct procview_proc *find_proc(const struct procview_snapshot *s, uint32_t pid)
{
	for (size_t i = 0; i < s->count; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

int procview_parse(struct procview_snapshot *s, char *data, size_t len, const struct timespec *now)
{
	struct agent_top top;
	*s = (struct procview_snapshot){.data = data, .taken_real = *now};
	clock_gettime(CLOCK_MONOTONIC, &s->taken);
	if (len < sizeof(top))
		return -1;
	memcpy(&top, data, sizeof(top));
	size_t at = sizeof(top);
	if (top.count > AGENT_TOP_MAX_PROCS || top.stat_len > len - at)
		return -1;
	s->boottime_ns = top.boottime_ns;
	int64_t btime = now->tv_sec - (int64_t)(top.boottime_ns / 1000000000u);
	host_stat(s, data + at, top.stat_len, btime);
	at += top.stat_len;
	s->procs = xcalloc(top.count ? top.count : 1, sizeof(*s->procs));
	for (uint32_t i = 0; i < top.count; i++) {
		struct agent_top_proc p;
		if (len - at < sizeof(p))
			return -1;
		memcpy(&p, data + at, sizeof(p));
		at += sizeof(p);
		struct procview_proc *out = &s->procs[s->count];
		*out = (struct procview_proc){.pid = p.pid};
		for (int f = 0; f < AGENT_TOP_FILES; f++) {
			if (p.len[f] > AGENT_TOP_FILE_MAX || p.len[f] > len - at)
				return -1;
			out->file[f] = data + at;
			out->len[f] = p.len[f];
			at += p.len[f];
		}
		if (p.pid == 0 || p.pid > PID_MAX || find_proc(s, p.pid) != NULL ||
		    !pidns_link_ok(out->file[AGENT_TOP_PIDNS], out->len[AGENT_TOP_PIDNS]))
			continue;
		s->count++;
	}
	return at == len ? 0 : -1;
}

static int64_t age_ns(const struct procview_snapshot *s)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - s->taken.tv_sec) * 1000000000LL +
	       (now.tv_nsec - s->taken.tv_nsec);
}

/* A new snapshot; without one (the container has gone), an empty view. */
static void refresh(struct procview *v)
{
	char *data = NULL;
	size_t len = 0;
	procview_snapshot_release(&v->snap);
	if (v->fetch(v->opaque, &data, &len) < 0) {
		free(data);
		data = NULL, len = 0;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (data != NULL && procview_parse(&v->snap, data, len, &now) < 0) {
		log_guest("the container's /proc: the guest's answer is malformed");
		procview_snapshot_release(&v->snap);
		data = NULL;
	}
	if (data == NULL) {
		procview_parse(&v->snap, NULL, 0, &now);
		v->snap.count = 0;
	}
}

static char *copy_of(const void *data, size_t len)
{
	char *out = xcalloc(1, len + 1);
	memcpy(out, data, len);
	return out;
}

/* ---- nodes ---- */

static bool node_exists(const struct procview *v, uint64_t node)
{
	if (node >= FUSE_ROOT_ID && node <= NODE_UPTIME)
		return true;
	enum kind k = node_kind(node);
	return k >= KIND_DIR && k <= KIND_NSPID && find_proc(&v->snap, node_pid(node)) != NULL;
}

static uint32_t node_mode(uint64_t node)
{
	if (node == FUSE_ROOT_ID || node == NODE_HOST)
		return S_IFDIR | 0555;
	if (node == NODE_SELF || node == NODE_THREAD_SELF)
		return S_IFLNK | 0777;
	if (node == NODE_STAT || node == NODE_UPTIME)
		return S_IFREG | 0444;
	switch (node_kind(node)) {
	case KIND_DIR:
	case KIND_NS:
		return S_IFDIR | 0555;
	case KIND_NSPID:
		return S_IFLNK | 0777;
	default:
		return S_IFREG | 0444;
	}
}

/* A symlink's target, or NULL. */
static const char *node_link(const struct procview *v, uint64_t node, size_t *len)
{
	static const char self[] = ".host/self", thread_self[] = ".host/thread-self";
	if (node == NODE_SELF || node == NODE_THREAD_SELF) {
		*len = node == NODE_SELF ? strlen(self) : strlen(thread_self);
		return node == NODE_SELF ? self : thread_self;
	}
	const struct procview_proc *p = find_proc(&v->snap, node_pid(node));
	if (node > NODE_UPTIME && node_kind(node) == KIND_NSPID && p != NULL) {
		*len = p->len[AGENT_TOP_PIDNS];
		return p->file[AGENT_TOP_PIDNS];
	}
	return NULL;
}

/* A regular file's contents now (malloc'd), or NULL. */
static char *node_contents(const struct procview *v, uint64_t node, size_t *len)
{
	if (node == NODE_STAT) {
		*len = v->snap.stat_len;
		return copy_of(v->snap.stat ? v->snap.stat : "", *len);
	}
	if (node == NODE_UPTIME) {
		uint64_t ns = v->snap.boottime_ns + (uint64_t)age_ns(&v->snap);
		char buf[64];
		int n = snprintf(buf, sizeof(buf), "%llu.%02llu 0.00\n",
				 (unsigned long long)(ns / 1000000000u),
				 (unsigned long long)(ns % 1000000000u / 10000000u));
		*len = (size_t)n;
		return copy_of(buf, *len);
	}
	static const int files[] = {[KIND_STAT] = AGENT_TOP_STAT,
				    [KIND_STATUS] = AGENT_TOP_STATUS,
				    [KIND_CMDLINE] = AGENT_TOP_CMDLINE};
	enum kind k = node_kind(node);
	const struct procview_proc *p = find_proc(&v->snap, node_pid(node));
	if (p == NULL || (k != KIND_STAT && k != KIND_STATUS && k != KIND_CMDLINE))
		return NULL;
	*len = p->len[files[k]];
	return copy_of(p->file[files[k]], *len);
}

static void fill_attr(const struct procview *v, uint64_t node, struct fuse_attr *a)
{
	size_t link_len = 0;
	uint32_t mode = node_mode(node);
	if (S_ISLNK(mode))
		node_link(v, node, &link_len);
	*a = (struct fuse_attr){
		.ino = node,
		.size = link_len,
		.atime = (uint64_t)v->snap.taken_real.tv_sec,
		.mtime = (uint64_t)v->snap.taken_real.tv_sec,
		.ctime = (uint64_t)v->snap.taken_real.tv_sec,
		.mode = mode,
		.nlink = S_ISDIR(mode) ? 2 : 1,
		.blksize = 4096,
	};
}

/* The entries of directory `node`, and the node of each. */
static const struct entry *dir_entries(uint64_t node, size_t *n, uint64_t *base)
{
	*base = 0;
	if (node == FUSE_ROOT_ID) {
		*n = N(root_entries);
		return root_entries;
	}
	*base = (uint64_t)node_pid(node) << 8;
	if (node > NODE_UPTIME && node_kind(node) == KIND_DIR) {
		*n = N(pid_entries);
		return pid_entries;
	}
	if (node > NODE_UPTIME && node_kind(node) == KIND_NS) {
		*n = N(ns_entries);
		return ns_entries;
	}
	*n = 0;
	return NULL;
}

/* The node `name` in directory `parent`, 0 when there is none. */
static uint64_t lookup(struct procview *v, uint64_t parent, const char *name)
{
	size_t n;
	uint64_t base;
	const struct entry *e = dir_entries(parent, &n, &base);
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].name, name) == 0)
			return base | e[i].node;
	if (parent != FUSE_ROOT_ID || name[0] < '1' || name[0] > '9')
		return 0;
	char *end;
	unsigned long pid = strtoul(name, &end, 10);
	if (*end != '\0' || pid > PID_MAX)
		return 0;
	int64_t age = age_ns(&v->snap);
	bool have = find_proc(&v->snap, (uint32_t)pid) != NULL;
	if (age > REFRESH_NS || (!have && age > MISS_REFRESH_NS)) {
		refresh(v);
		have = find_proc(&v->snap, (uint32_t)pid) != NULL;
	}
	return have ? ((uint64_t)pid << 8) | KIND_DIR : 0;
}

/* ---- handles ---- */

static int handle_new(struct procview *v, char *data, size_t len, uint64_t *fh)
{
	for (size_t i = 0; i < PROCVIEW_HANDLES; i++) {
		if (v->handles[i].data == NULL) {
			v->handles[i] = (struct procview_handle){data, len};
			*fh = i;
			return 0;
		}
	}
	free(data);
	return -ENFILE;
}

static struct procview_handle *handle_get(struct procview *v, uint64_t fh)
{
	return fh < PROCVIEW_HANDLES && v->handles[fh].data != NULL ? &v->handles[fh] : NULL;
}

static void add_dirent(FILE *f, uint64_t ino, uint64_t off, const char *name, uint32_t mode)
{
	struct fuse_dirent d = {
		.ino = ino, .off = off, .namelen = (uint32_t)strlen(name), .type = mode >> 12};
	static const char pad[8];
	fwrite(&d, sizeof(d), 1, f);
	fwrite(name, 1, d.namelen, f);
	fwrite(pad, 1, FUSE_DIRENT_ALIGN(sizeof(d) + d.namelen) - sizeof(d) - d.namelen, f);
}

/* Directory `node` as fuse_dirents, each `off` its index + 1. */
static char *dir_listing(const struct procview *v, uint64_t node, size_t *len)
{
	char *out = NULL;
	size_t n, at = 0;
	uint64_t base;
	FILE *f = open_memstream(&out, len);
	add_dirent(f, node, ++at, ".", S_IFDIR);
	add_dirent(f, node == FUSE_ROOT_ID ? node : FUSE_ROOT_ID, ++at, "..", S_IFDIR);
	const struct entry *e = dir_entries(node, &n, &base);
	for (size_t i = 0; i < n; i++)
		add_dirent(f, base | e[i].node, ++at, e[i].name, node_mode(base | e[i].node));
	for (size_t i = 0; node == FUSE_ROOT_ID && i < v->snap.count; i++) {
		char name[16];
		snprintf(name, sizeof(name), "%u", v->snap.procs[i].pid);
		add_dirent(f, ((uint64_t)v->snap.procs[i].pid << 8) | KIND_DIR, ++at, name,
			   S_IFDIR);
	}
	fclose(f);
	return out;
}

/* ---- requests ---- */

static void reply(struct procview *v, uint64_t unique, int error, const void *data, size_t len)
{
	struct fuse_out_header h = {
		.len = (uint32_t)(sizeof(h) + (error ? 0 : len)), .error = error, .unique = unique};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)data, error ? 0 : len}};
	if (writev(v->fuse_fd, iov, 2) < 0 && errno != ENOENT)
		log_debug("the container's /proc: reply: %s", strerror(errno));
}

static void do_init(struct procview *v, const struct fuse_in_header *h, const void *arg)
{
	const struct fuse_init_in *in = arg;
	struct fuse_init_out out = {
		.major = FUSE_KERNEL_VERSION,
		.minor = in->minor < FUSE_KERNEL_MINOR_VERSION ? in->minor
							       : FUSE_KERNEL_MINOR_VERSION,
		.max_readahead = in->max_readahead,
		.max_background = 16,
		.congestion_threshold = 12,
		.max_write = 4096,
		.time_gran = 1,
	};
	if (in->major != FUSE_KERNEL_VERSION) {
		reply(v, h->unique, -EPROTO, NULL, 0);
		return;
	}
	reply(v, h->unique, 0, &out, in->minor < 23 ? FUSE_COMPAT_22_INIT_OUT_SIZE : sizeof(out));
}

static void do_lookup(struct procview *v, const struct fuse_in_header *h, const char *name)
{
	uint64_t node = node_exists(v, h->nodeid) ? lookup(v, h->nodeid, name) : 0;
	if (node == 0) {
		reply(v, h->unique, -ENOENT, NULL, 0);
		return;
	}
	/* Names beneath a process go when it does: looked up again each time. */
	uint64_t valid = node <= NODE_UPTIME ? TIMEOUT_LONG : 0;
	struct fuse_entry_out out = {.nodeid = node, .entry_valid = valid, .attr_valid = valid};
	fill_attr(v, node, &out.attr);
	reply(v, h->unique, 0, &out, sizeof(out));
}

static void do_getattr(struct procview *v, const struct fuse_in_header *h)
{
	struct fuse_attr_out out = {0};
	if (!node_exists(v, h->nodeid)) {
		reply(v, h->unique, -ENOENT, NULL, 0);
		return;
	}
	fill_attr(v, h->nodeid, &out.attr);
	reply(v, h->unique, 0, &out, sizeof(out));
}

static void do_readlink(struct procview *v, const struct fuse_in_header *h)
{
	size_t len;
	const char *target = node_link(v, h->nodeid, &len);
	if (target == NULL)
		reply(v, h->unique, node_exists(v, h->nodeid) ? -EINVAL : -ENOENT, NULL, 0);
	else
		reply(v, h->unique, 0, target, len);
}

static void do_open(struct procview *v, const struct fuse_in_header *h, bool dir)
{
	struct fuse_open_out out = {.open_flags = dir ? 0 : FOPEN_DIRECT_IO};
	size_t len = 0;
	char *data = NULL;
	if (dir && h->nodeid == FUSE_ROOT_ID)
		refresh(v); /* a listing of the processes: a new snapshot */
	if (node_exists(v, h->nodeid))
		data = dir ? (S_ISDIR(node_mode(h->nodeid)) ? dir_listing(v, h->nodeid, &len)
							    : NULL)
			   : node_contents(v, h->nodeid, &len);
	if (data == NULL) {
		reply(v, h->unique, node_exists(v, h->nodeid) ? -EACCES : -ENOENT, NULL, 0);
		return;
	}
	int ret = handle_new(v, data, len, &out.fh);
	reply(v, h->unique, ret, &out, sizeof(out));
}

static void do_read(struct procview *v, const struct fuse_in_header *h, const void *arg, bool dir)
{
	const struct fuse_read_in *in = arg;
	struct procview_handle *hd = handle_get(v, in->fh);
	if (hd == NULL) {
		reply(v, h->unique, -EBADF, NULL, 0);
		return;
	}
	size_t size = in->size < sizeof(v->buf) ? in->size : sizeof(v->buf);
	if (!dir) {
		size_t from = in->offset < hd->len ? (size_t)in->offset : hd->len;
		size_t n = hd->len - from < size ? hd->len - from : size;
		reply(v, h->unique, 0, hd->data + from, n);
		return;
	}
	/* Whole entries from the one after `offset`. */
	size_t at = 0, start = 0, end = 0;
	while (at < hd->len) {
		const struct fuse_dirent *d = (const void *)(hd->data + at);
		size_t n = FUSE_DIRENT_SIZE(d);
		if (d->off <= in->offset)
			start = at + n;
		else if (at + n - start > size)
			break;
		at += n;
		end = at;
	}
	reply(v, h->unique, 0, hd->data + start, end > start ? end - start : 0);
}

static void do_release(struct procview *v, const struct fuse_in_header *h, const void *arg)
{
	const struct fuse_release_in *in = arg;
	struct procview_handle *hd = handle_get(v, in->fh);
	if (hd != NULL) {
		free(hd->data);
		*hd = (struct procview_handle){0};
	}
	reply(v, h->unique, 0, NULL, 0);
}

static void do_statfs(struct procview *v, const struct fuse_in_header *h)
{
	struct fuse_statfs_out out = {.st = {.bsize = 4096, .namelen = 255, .frsize = 4096}};
	reply(v, h->unique, 0, &out, sizeof(out));
}

/* Arguments each request needs, so that none is read past the request. */
static size_t arg_size(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_INIT:
		return offsetof(struct fuse_init_in, flags) + sizeof(uint32_t);
	case FUSE_READ:
	case FUSE_READDIR:
		return sizeof(struct fuse_read_in);
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
		return sizeof(struct fuse_release_in);
	case FUSE_LOOKUP:
		return 1; /* a name, NUL-terminated (checked) */
	default:
		return 0;
	}
}

static void dispatch(struct procview *v, const struct fuse_in_header *h, const char *arg,
		     size_t len)
{
	if (len < arg_size(h->opcode) ||
	    (h->opcode == FUSE_LOOKUP && memchr(arg, '\0', len) == NULL)) {
		reply(v, h->unique, -EINVAL, NULL, 0);
		return;
	}
	switch (h->opcode) {
	case FUSE_INIT:
		do_init(v, h, arg);
		break;
	case FUSE_LOOKUP:
		do_lookup(v, h, arg);
		break;
	case FUSE_GETATTR:
		do_getattr(v, h);
		break;
	case FUSE_READLINK:
		do_readlink(v, h);
		break;
	case FUSE_OPEN:
	case FUSE_OPENDIR:
		do_open(v, h, h->opcode == FUSE_OPENDIR);
		break;
	case FUSE_READ:
	case FUSE_READDIR:
		do_read(v, h, arg, h->opcode == FUSE_READDIR);
		break;
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
		do_release(v, h, arg);
		break;
	case FUSE_STATFS:
		do_statfs(v, h);
		break;
	case FUSE_FLUSH:
		reply(v, h->unique, 0, NULL, 0);
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		break; /* no answer: nodes hold nothing, requests end at once */
	default:
		reply(v, h->unique, -ENOSYS, NULL, 0);
	}
}

static void *serve(void *arg)
{
	struct procview *v = arg;
	char go;
	ssize_t n;
	struct error *err = NULL;
	while ((n = read(v->go[0], &go, 1)) < 0 && errno == EINTR)
		;
	close(v->go[0]);
	if (n != 1) /* not mounted */
		return NULL;
	if (lockdown_thread(LOCKDOWN_PROCVIEW, &err) < 0) {
		log_warning("the container's /proc for host tools: %s", err->msg);
		error_release(&err);
		return NULL;
	}
	for (;;) {
		n = read(v->fuse_fd, v->buf, sizeof(v->buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOENT))
			continue;
		if (n < 0) /* ENODEV: unmounted, the namespace is gone */
			break;
		struct fuse_in_header h;
		if ((size_t)n < sizeof(h))
			continue;
		memcpy(&h, v->buf, sizeof(h));
		if (h.len != (size_t)n)
			continue;
		dispatch(v, &h, v->buf + sizeof(h), (size_t)n - sizeof(h));
	}
	return NULL;
}

/* A copy of the mount tree at `path` (a fd, or -1 and *err), read-only
 * when `readonly`. */
static int tree_copy(int dirfd, const char *path, bool readonly, const char *what,
		     struct error **err)
{
	int fd = open_tree(dirfd, path,
			   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
				   (path[0] == '\0' ? AT_EMPTY_PATH : 0));
	if (fd < 0) {
		error_set(err, errno, "a copy of %s", what);
		return -1;
	}
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
	if (readonly &&
	    mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
		error_set(err, errno, "make the copy of %s read-only", what);
		close(fd);
		return -1;
	}
	return fd;
}

/* Each volume at its destination beneath the new root (`rootfd`): its
 * mount point the guest made, resolved as the container would, so that a
 * link of the container's leads nowhere outside.  One that cannot be
 * mounted is left out. */
static void mount_binds(int rootfd, const struct procview_root *r)
{
	for (size_t i = 0; i < r->n_binds; i++) {
		const struct procview_bind *b = &r->binds[i];
		struct error *err = NULL;
		int src = tree_copy(AT_FDCWD, b->source, b->readonly, b->source, &err);
		int dst = beneath_open(rootfd, b->destination, O_PATH | O_CLOEXEC);
		if (src >= 0 && dst >= 0 &&
		    move_mount(src, "", dst, "",
			       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			error_set(&err, errno, "mount %s on %s", b->source, b->destination);
		if (err != NULL || dst < 0)
			log_debug("the container's root for host tools: %s",
				  err != NULL ? err->msg : b->destination);
		error_release(&err);
		if (src >= 0)
			close(src);
		if (dst >= 0)
			close(dst);
	}
}

/* The calling thread's root becomes the container's: a copy of its rootfs
 * mounted over itself with the volumes on it, pivoted into; the old root
 * goes. */
static int enter_root(const struct procview_root *r, struct error **err)
{
	int old = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int tree = tree_copy(AT_FDCWD, r->path, r->readonly, r->path, err);
	int ret = -1;
	if (old < 0 || tree < 0) {
		if (old < 0)
			error_set(err, errno, "open /");
		goto out;
	}
	if (move_mount(tree, "", AT_FDCWD, r->path, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		error_set(err, errno, "mount a copy of %s on itself", r->path);
		goto out;
	}
	if (chdir(r->path) < 0) {
		error_set(err, errno, "chdir %s", r->path);
		goto out;
	}
	int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (here >= 0) {
		mount_binds(here, r);
		close(here);
	}
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		error_set(err, errno, "pivot_root to %s", r->path);
	else if (fchdir(old) < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		error_set(err, errno, "let go of the old root");
	else
		ret = 0;
out:
	if (old >= 0)
		close(old);
	if (tree >= 0)
		close(tree);
	return ret;
}

/* A /dev with an empty pts, where tools look for terminals by their
 * numbers: the guest's are not the host's, and none is found. */
static void empty_dev(void)
{
	struct stat st;
	if (lstat("/dev", &st) < 0 || !S_ISDIR(st.st_mode) ||
	    mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=16k") < 0 ||
	    mkdir("/dev/pts", 0755) < 0)
		log_debug("the container's root for host tools: no /dev: %s", strerror(errno));
}

int procview_open_device(struct error **err)
{
	int fd = host_open_device("/dev/fuse", O_RDWR | O_CLOEXEC, "fuse");
	return fd < 0 ? error_set(err, errno, "/dev/fuse") : fd;
}

int procview_start(struct procview *v, int fuse_fd, const struct procview_root *root,
		   procview_fetch_fn fetch, void *opaque, struct error **err)
{
	struct stat st;
	char opts[128];
	int host = -1, ret = -1;
	memset(v, 0, sizeof(*v)); /* the first lookup takes a snapshot */
	v->fetch = fetch;
	v->opaque = opaque;
	v->fuse_fd = fuse_fd;
	if (pipe2(v->go, O_CLOEXEC) < 0) {
		error_set(err, errno, "pipe");
		close(v->fuse_fd);
		return -1;
	}
	/* Started before the namespace, so that it keeps the host's /proc. */
	int r = pthread_create(&v->thread, NULL, serve, v);
	if (r != 0) {
		close(v->go[0]);
		close(v->go[1]);
		close(v->fuse_fd);
		return error_set(err, r, "start the thread");
	}
	v->thread_started = true;
	if (unshare(CLONE_NEWNS) < 0) {
		error_set(err, errno, "unshare the mount namespace");
		goto out;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		error_set(err, errno, "make / a slave mount");
		goto out;
	}
	host = open_tree(AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (host < 0) {
		error_set(err, errno, "a copy of /proc");
		goto out;
	}
	if (root != NULL) {
		if (enter_root(root, err) < 0)
			goto out;
		empty_dev();
	}
	/* The directory itself: a link the container made leads nowhere. */
	if (lstat("/proc", &st) < 0 || !S_ISDIR(st.st_mode)) {
		error_set_kind(err, ENOTDIR, "%s/proc is not a directory", root ? root->path : "");
		goto out;
	}
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40555,user_id=0,group_id=0,allow_other,default_permissions",
		 v->fuse_fd);
	if (mount("vrun", "/proc", "fuse.vrun-proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
		  opts) < 0) {
		error_set(err, errno, "mount the container's /proc");
		goto out;
	}
	if (write(v->go[1], "g", 1) != 1) {
		error_set(err, errno, "start the thread");
		goto out;
	}
	if (move_mount(host, "", AT_FDCWD, "/proc/.host", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		error_set(err, errno, "move the host's /proc to /proc/.host");
		umount2("/proc", MNT_DETACH);
		goto out;
	}
	ret = 0;
out:
	if (host >= 0)
		close(host);
	close(v->go[1]); /* the thread ends if it was not told to go */
	return ret;
}
