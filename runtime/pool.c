/* The pool of booted VMs: the claim on the wire, and the caller's side
 * (pool.h).  The VMM's side is supervisor_pool_run (supervisor.h). */
#include "runtime/pool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/protocol.h"
#include "common/cleanup.h"
#include "common/fdpass.h"
#include "common/fs.h"
#include "common/proc.h"
#include "common/unix_socket.h"
#include "common/xalloc.h"

#define CLAIM_MAGIC   0x316c6f70u /* "pol1" */
#define CLAIM_STRINGS 6		  /* id, state dir, bundle, cgroup, console socket, log */
#define KILL_WAIT_MS  2000

struct claim_header {
	uint32_t magic;
	uint32_t log_format;
	uint32_t debug;
	uint32_t lens[CLAIM_STRINGS]; /* each with its NUL */
	uint32_t config_len;
};

void pool_key(const char *boot, const char *initrd, uint64_t memory, unsigned vcpus,
	      const char *cmdline_extra, const char *vmm_user, char *out, size_t size)
{
	const char *lockdown = getenv("VRUN_VMM_LOCKDOWN");
	snprintf(out, size,
		 "kernel %s\ninitrd %s\nmemory %" PRIu64 "\nvcpus %u\ncmdline %s\nvmm-user %s\n"
		 "lockdown %s\n",
		 boot, initrd != NULL ? initrd : "", memory, vcpus,
		 cmdline_extra != NULL ? cmdline_extra : "", vmm_user != NULL ? vmm_user : "",
		 lockdown != NULL ? lockdown : "");
}

const char *pool_refusal(const struct oci_config *config, bool asked, unsigned passed_fds)
{
	if (!asked && !oci_strmap_true(&config->annotations, POOL_ANNOTATION))
		return "not asked for (annotation " POOL_ANNOTATION ", or --pool)";
	if (passed_fds > 0)
		return "the process is given fds (--preserve-fds, LISTEN_FDS)";
	if (oci_strmap_true(&config->annotations, ANNOTATION_VIRTIOFS_DAX))
		return "the rootfs share has a DAX window (" ANNOTATION_VIRTIOFS_DAX
		       "), a pooled VM's none";
	if (!oci_has_namespace(config, "network"))
		return "the container has the host's network, and a pooled VM a namespace of its "
		       "own";
	if (oci_namespace_path(config, "network") != NULL)
		return "the container joins a network namespace, and a pooled VM has one of its "
		       "own";
	return NULL;
}

static const char *or_empty(const char *s)
{
	return s != NULL ? s : "";
}

int pool_claim_encode(const struct pool_claim *c, char **buf, size_t *len)
{
	const char *strings[CLAIM_STRINGS] = {c->id,
					      c->state_dir,
					      c->bundle,
					      c->cgroup,
					      or_empty(c->console_socket),
					      or_empty(c->log_path)};
	struct claim_header h = {.magic = CLAIM_MAGIC,
				 .log_format = c->log_format,
				 .debug = c->debug,
				 .config_len = (uint32_t)c->config_len};
	size_t total = sizeof(h) + c->config_len;
	for (int i = 0; i < CLAIM_STRINGS; i++) {
		h.lens[i] = (uint32_t)strlen(or_empty(strings[i])) + 1;
		total += h.lens[i];
	}
	if (total > POOL_MAX_CLAIM)
		return -1;
	char *out = xcalloc(1, total), *p = out + sizeof(h);
	memcpy(out, &h, sizeof(h));
	for (int i = 0; i < CLAIM_STRINGS; i++) {
		memcpy(p, or_empty(strings[i]), h.lens[i]);
		p += h.lens[i];
	}
	memcpy(p, c->config_text, c->config_len);
	*buf = out;
	*len = total;
	return 0;
}

int pool_claim_decode(char *buf, size_t len, struct pool_claim *c, struct error **err)
{
	struct claim_header h;
	const char *strings[CLAIM_STRINGS];
	if (len < sizeof(h))
		return error_set_kind(err, EPROTO, "pool claim: %zu bytes, too short", len);
	memcpy(&h, buf, sizeof(h));
	if (h.magic != CLAIM_MAGIC)
		return error_set_kind(err, EPROTO, "pool claim: not a claim (magic 0x%x)", h.magic);
	size_t at = sizeof(h);
	for (int i = 0; i < CLAIM_STRINGS; i++) {
		/* Each a string of exactly its length, inside the buffer. */
		if (h.lens[i] == 0 || h.lens[i] > len - at ||
		    strnlen(buf + at, h.lens[i]) != h.lens[i] - 1)
			return error_set_kind(err, EPROTO, "pool claim: string %d malformed", i);
		strings[i] = buf + at;
		at += h.lens[i];
	}
	if (h.config_len != len - at || h.log_format > 1 || h.debug > 1)
		return error_set_kind(err, EPROTO, "pool claim: config of %u bytes in %zu left",
				      h.config_len, len - at);
	if (strings[0][0] == '\0' || strings[1][0] != '/' || strings[2][0] != '/')
		return error_set_kind(err, EPROTO, "pool claim: no id, or paths not absolute");
	c->id = strings[0];
	c->state_dir = strings[1];
	c->bundle = strings[2];
	c->cgroup = strings[3];
	c->console_socket = strings[4][0] != '\0' ? strings[4] : NULL;
	c->log_path = strings[5][0] != '\0' ? strings[5] : NULL;
	c->log_format = h.log_format;
	c->debug = h.debug != 0;
	c->config_text = buf + at;
	c->config_len = h.config_len;
	return 0;
}

int pool_claim_send(int fd, const struct pool_claim *c, struct error **err)
{
	cleanup_free char *buf = NULL;
	size_t len;
	if (pool_claim_encode(c, &buf, &len) < 0)
		return error_set_kind(err, EFBIG, "pool claim: over %u bytes", POOL_MAX_CLAIM);
	/* The length first, with the caller's stdin, stdout and stderr. */
	uint32_t length = (uint32_t)len;
	if (fdpass_send_fds(fd, c->stdio, 3, &length, sizeof(length)) != (ssize_t)sizeof(length) ||
	    fs_write_all(fd, buf, len) < 0)
		return error_set(err, errno, "pool claim: send");
	return 0;
}

static void take_fds(struct msghdr *mh, int stdio[3])
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int fds[16];
		memcpy(fds, CMSG_DATA(cm), (n < 16 ? n : 16) * sizeof(int));
		for (size_t i = 0; i < n && i < 16; i++) {
			if (i < 3 && n == 3 && stdio[i] < 0)
				stdio[i] = fds[i];
			else
				close(fds[i]);
		}
	}
}

int pool_claim_receive(int fd, struct pool_claim *c, struct error **err)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(16 * sizeof(int))];
	} control;
	uint32_t len = 0;
	struct iovec iov = {&len, sizeof(len)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = control.buf,
			    .msg_controllen = sizeof(control.buf)};
	*c = (struct pool_claim){.stdio = {-1, -1, -1}};
	ssize_t n;
	while ((n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL)) < 0 && errno == EINTR)
		;
	if (n >= 0)
		take_fds(&mh, c->stdio);
	if (n != (ssize_t)sizeof(len) || (mh.msg_flags & MSG_CTRUNC) != 0)
		return error_set_kind(err, EPROTO, "pool claim: no length");
	if (len == 0 || len > POOL_MAX_CLAIM)
		return error_set_kind(err, EPROTO, "pool claim: %u bytes", len);
	c->buf = xcalloc(1, len + 1);
	for (size_t got = 0; got < len;) {
		n = read(fd, c->buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set_kind(err, EPROTO, "pool claim: %zu of %u bytes", got, len);
		got += (size_t)n;
	}
	return pool_claim_decode(c->buf, len, c, err);
}

void pool_claim_release(struct pool_claim *c)
{
	for (int i = 0; i < 3; i++)
		if (c->stdio[i] >= 0)
			close(c->stdio[i]);
	free(c->buf);
	*c = (struct pool_claim){.stdio = {-1, -1, -1}};
}

static bool entry_has(int entry, const char *name)
{
	struct stat st;
	return fstatat(entry, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The entry's VMM (its pid file: "PID START"), when it is alive. */
static pid_t entry_vmm(int entry, uint64_t *start)
{
	cleanup_free char *text = NULL;
	size_t len;
	long long pid = 0;
	unsigned long long st = 0;
	struct error *err = NULL;
	if (fs_read_file_at(entry, POOL_PID_FILE, POOL_PID_FILE, 64, &text, &len, &err) < 0) {
		error_release(&err);
		return 0;
	}
	if (sscanf(text, "%lld %llu", &pid, &st) != 2 || pid <= 0 || !proc_is_same((pid_t)pid, st))
		return 0;
	*start = st;
	return (pid_t)pid;
}

static void remove_entry(int pool, const char *name)
{
	struct error *err = NULL;
	fs_remove_tree_at(pool, name, &err);
	error_release(&err);
}

/* Connects to the entry whose claim socket we renamed; its VMM's pid. */
static int connect_taken(const char *root, const char *name, pid_t *pid)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/%s/%s", root, POOL_DIR, name, POOL_TAKEN_SOCKET);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (fd < 0 || unix_connect(fd, path) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid <= 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*pid = cred.pid;
	return fd;
}

static bool entry_key_is(int entry, const char *key)
{
	cleanup_free char *text = NULL;
	size_t len;
	struct error *err = NULL;
	if (fs_read_file_at(entry, POOL_KEY_FILE, POOL_KEY_FILE, POOL_KEY_MAX, &text, &len, &err) <
	    0) {
		error_release(&err);
		return false;
	}
	return strcmp(text, key) == 0;
}

int pool_take(const char *root, const char *key, const struct pool_claim *c, int *fd, pid_t *pid,
	      struct error **err)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, POOL_DIR);
	cleanup_close int pool = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pool < 0)
		return 1;
	DIR *dir = fdopendir(dup(pool));
	if (dir == NULL)
		return 1;
	int ret = 1;
	struct dirent *de;
	while (ret == 1 && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		cleanup_close int entry =
			openat(pool, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* The rename decides: of two claimers, one finds no socket. */
		if (entry < 0 || !entry_key_is(entry, key) ||
		    renameat(entry, POOL_CLAIM_SOCKET, entry, POOL_TAKEN_SOCKET) < 0)
			continue;
		*fd = connect_taken(root, de->d_name, pid);
		if (*fd < 0) { /* its VMM is gone */
			remove_entry(pool, de->d_name);
			continue;
		}
		ret = pool_claim_send(*fd, c, err);
		if (ret < 0) {
			close(*fd);
			*fd = -1;
		}
	}
	closedir(dir);
	return ret;
}

int pool_wait_status(int fd)
{
	char buf[64];
	fs_read_to_end(fd, buf, sizeof(buf));
	int status;
	if (sscanf(buf, "X%d", &status) == 1 && status >= 0 && status <= 255)
		return status;
	return 128 + SIGKILL;
}

/* Calls fn for each entry of the pool; stale entries go first. */
static unsigned for_each_entry(const char *root, bool (*fn)(int pool, int entry, const char *name))
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, POOL_DIR);
	cleanup_close int pool = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = pool >= 0 ? fdopendir(dup(pool)) : NULL;
	unsigned n = 0;
	struct dirent *de;
	if (dir == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL) {
		uint64_t start;
		if (de->d_name[0] == '.')
			continue;
		cleanup_close int entry =
			openat(pool, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (entry < 0)
			continue;
		/* No pid file yet: `pool fill` is making it. */
		if (entry_has(entry, POOL_PID_FILE) && entry_vmm(entry, &start) == 0)
			remove_entry(pool, de->d_name);
		else if (fn(pool, entry, de->d_name))
			n++;
	}
	closedir(dir);
	return n;
}

static bool waiting(int pool, int entry, const char *name)
{
	(void)pool;
	(void)name;
	return entry_has(entry, POOL_CLAIM_SOCKET);
}

unsigned pool_count(const char *root)
{
	return for_each_entry(root, waiting);
}

/* A waiting or booting VMM holds nothing outside itself (its mounts and
 * network are namespaces of its own): SIGKILL ends it cleanly.  One being
 * claimed is a container's now. */
static bool drain_entry(int pool, int entry, const char *name)
{
	uint64_t start;
	if (entry_has(entry, POOL_TAKEN_SOCKET) ||
	    (entry_has(entry, POOL_CLAIM_SOCKET) &&
	     renameat(entry, POOL_CLAIM_SOCKET, entry, POOL_TAKEN_SOCKET) < 0))
		return false;
	pid_t pid = entry_vmm(entry, &start);
	if (pid > 0 && kill(pid, SIGKILL) == 0)
		proc_wait_gone(pid, start, KILL_WAIT_MS);
	remove_entry(pool, name);
	return pid > 0;
}

int pool_drain(const char *root, unsigned *drained, struct error **err)
{
	(void)err;
	*drained = for_each_entry(root, drain_entry);
	return 0;
}
