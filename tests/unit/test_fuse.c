/* The virtio-fs FUSE server against a temporary export: each opcode, and
 * the requests a hostile guest could send (escaping names, symlinks out,
 * huge lengths, stale ids, writes to a read-only export). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/virtio/fs/ops.h"

#define OUT_SIZE FUSE_SERVER_MAX_REPLY

struct fixture {
	char dir[64];
	struct fuse_server server;
	uint8_t *out;
	uint64_t unique;
};

struct reply {
	int32_t error;
	size_t len; /* payload bytes */
	const uint8_t *data;
	bool none; /* no reply at all */
};

/* Sends opcode on nodeid with the argument pieces given as (ptr, len)
 * pairs, ending with NULL. */
static struct reply call(struct fixture *f, uint32_t opcode, uint64_t nodeid, ...)
{
	uint8_t in[FUSE_SERVER_MAX_REQUEST];
	size_t len = sizeof(struct fuse_in_header);
	va_list ap;
	va_start(ap, nodeid);
	for (const void *p; (p = va_arg(ap, const void *)) != NULL;) {
		size_t n = va_arg(ap, size_t);
		assert_true(len + n <= sizeof(in));
		memcpy(in + len, p, n);
		len += n;
	}
	va_end(ap);
	struct fuse_in_header h = {
		.len = (uint32_t)len, .opcode = opcode, .unique = ++f->unique, .nodeid = nodeid};
	memcpy(in, &h, sizeof(h));
	size_t n = fuse_server_handle(&f->server, in, len, f->out, OUT_SIZE);
	struct reply r = {.none = n == 0};
	if (n == 0)
		return r;
	struct fuse_out_header oh;
	assert_true(n >= sizeof(oh));
	memcpy(&oh, f->out, sizeof(oh));
	assert_int_equal(oh.len, n);
	assert_int_equal(oh.unique, f->unique);
	r.error = oh.error;
	r.len = n - sizeof(oh);
	r.data = f->out + sizeof(oh);
	return r;
}

#define NAME(s) (s), strlen(s) + 1

static void init_server(struct fixture *f)
{
	struct fuse_init_in in = {.major = 7, .minor = 38, .max_readahead = 65536};
	struct reply r = call(f, FUSE_INIT, 0, &in, sizeof(in), NULL);
	assert_int_equal(r.error, 0);
	struct fuse_init_out out;
	assert_int_equal(r.len, sizeof(out));
	memcpy(&out, r.data, sizeof(out));
	assert_int_equal(out.major, 7);
	assert_int_equal(out.minor, 38);
	assert_int_equal(out.max_write, FUSE_SERVER_MAX_WRITE);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int setup_export(void **state, bool read_only)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128];
	snprintf(f->dir, sizeof(f->dir), "/tmp/vrun-fuse.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	write_file(f->dir, "hello.txt", "hello, guest\n");
	snprintf(path, sizeof(path), "%s/sub", f->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file(f->dir, "sub/inner", "inner");
	snprintf(path, sizeof(path), "%s/out", f->dir);
	assert_int_equal(symlink("/etc", path), 0);
	struct error *err = NULL;
	assert_int_equal(fuse_server_init(&f->server, f->dir, read_only, &err), 0);
	f->out = malloc(OUT_SIZE);
	*state = f;
	init_server(f);
	return 0;
}

static int setup(void **state)
{
	return setup_export(state, false);
}

static int setup_read_only(void **state)
{
	return setup_export(state, true);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	fuse_server_release(&f->server);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f->out);
	free(f);
	return 0;
}

static struct fuse_entry_out lookup(struct fixture *f, uint64_t parent, const char *name,
				    int32_t want_error)
{
	struct fuse_entry_out e = {0};
	struct reply r = call(f, FUSE_LOOKUP, parent, NAME(name), NULL);
	assert_int_equal(r.error, want_error);
	if (want_error == 0) {
		assert_int_equal(r.len, sizeof(e));
		memcpy(&e, r.data, sizeof(e));
	}
	return e;
}

static struct fuse_open_out open_out(struct fixture *f, uint64_t node, uint32_t flags,
				     int32_t want_error)
{
	struct fuse_open_in in = {.flags = flags};
	struct reply r = call(f, FUSE_OPEN, node, &in, sizeof(in), NULL);
	assert_int_equal(r.error, want_error);
	struct fuse_open_out out = {0};
	if (want_error == 0)
		memcpy(&out, r.data, sizeof(out));
	return out;
}

static uint64_t open_node(struct fixture *f, uint64_t node, uint32_t flags, int32_t want_error)
{
	return open_out(f, node, flags, want_error).fh;
}

/* A file opened for reading only is closed without a FLUSH (FOPEN_NOFLUSH:
 * the server's FLUSH does nothing); one opened for writing, or truncated,
 * keeps it, so that its close writes its dirty pages back. */
static void test_open_noflush(void **state)
{
	struct fixture *f = *state;
	struct fuse_entry_out e = lookup(f, FUSE_ROOT_ID, "hello.txt", 0);
	assert_int_equal(open_out(f, e.nodeid, O_RDONLY, 0).open_flags, FOPEN_NOFLUSH);
	assert_int_equal(open_out(f, e.nodeid, O_RDWR, 0).open_flags, 0);
	assert_int_equal(open_out(f, e.nodeid, O_WRONLY, 0).open_flags, 0);
	assert_int_equal(open_out(f, e.nodeid, O_RDONLY | O_TRUNC, 0).open_flags, 0);
}

static void test_lookup_getattr_read(void **state)
{
	struct fixture *f = *state;
	struct fuse_entry_out e = lookup(f, FUSE_ROOT_ID, "hello.txt", 0);
	assert_true(S_ISREG(e.attr.mode));
	assert_int_equal(e.attr.size, 13);
	struct fuse_entry_out again = lookup(f, FUSE_ROOT_ID, "hello.txt", 0);
	assert_int_equal(again.nodeid, e.nodeid); /* one node per file */

	struct fuse_getattr_in ga = {0};
	struct reply r = call(f, FUSE_GETATTR, FUSE_ROOT_ID, &ga, sizeof(ga), NULL);
	assert_int_equal(r.error, 0);
	struct fuse_attr_out attr;
	memcpy(&attr, r.data, sizeof(attr));
	assert_true(S_ISDIR(attr.attr.mode));

	uint64_t fh = open_node(f, e.nodeid, O_RDONLY, 0);
	struct fuse_read_in rd = {.fh = fh, .offset = 7, .size = 100};
	r = call(f, FUSE_READ, e.nodeid, &rd, sizeof(rd), NULL);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.len, 6);
	assert_memory_equal(r.data, "guest\n", 6);
	/* A size beyond any buffer is cut to what the reply holds. */
	rd = (struct fuse_read_in){.fh = fh, .offset = 0, .size = UINT32_MAX};
	r = call(f, FUSE_READ, e.nodeid, &rd, sizeof(rd), NULL);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.len, 13);
	rd = (struct fuse_read_in){.fh = fh, .offset = UINT64_MAX, .size = 10};
	assert_int_equal(call(f, FUSE_READ, e.nodeid, &rd, sizeof(rd), NULL).error, -EINVAL);
	rd = (struct fuse_read_in){.fh = fh + 100, .size = 10};
	assert_int_equal(call(f, FUSE_READ, e.nodeid, &rd, sizeof(rd), NULL).error, -EBADF);
	struct fuse_release_in rel = {.fh = fh};
	assert_int_equal(call(f, FUSE_RELEASE, e.nodeid, &rel, sizeof(rel), NULL).error, 0);
	assert_int_equal(call(f, FUSE_RELEASE, e.nodeid, &rel, sizeof(rel), NULL).error, -EBADF);
	/* Lookups under a file, and of what does not exist. */
	lookup(f, e.nodeid, "x", -ENOTDIR);
	lookup(f, FUSE_ROOT_ID, "nope", -ENOENT);
}

/* A READ whose data goes straight into the guest's buffers (here three,
 * of 100 bytes, 5000 and 2 MiB): only the header goes to `out`, the data
 * lands in order across the buffers, a READ is cut to FUSE_SERVER_MAX_READ,
 * and at the end of the file nothing is placed. */
static void test_read_into_guest_buffers(void **state)
{
	struct fixture *f = *state;
	size_t size = 3u << 20;
	uint8_t *content = malloc(size);
	for (size_t i = 0; i < size; i++)
		content[i] = (uint8_t)(i * 7 + i / 4096);
	char path[128];
	snprintf(path, sizeof(path), "%s/big", f->dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(write(fd, content, size), (ssize_t)size);
	close(fd);
	struct fuse_entry_out e = lookup(f, FUSE_ROOT_ID, "big", 0);
	uint64_t fh = open_node(f, e.nodeid, O_RDONLY, 0);

	static uint8_t a[100], b[5000], c[2u << 20];
	struct iovec data[] = {{a, sizeof(a)}, {b, sizeof(b)}, {c, sizeof(c)}};
	struct {
		struct fuse_in_header h;
		struct fuse_read_in rd;
	} in = {.h = {.len = sizeof(in), .opcode = FUSE_READ, .unique = 9, .nodeid = e.nodeid},
		.rd = {.fh = fh, .offset = 4096, .size = 2u << 20}};
	struct fuse_guest_bufs bufs = {.reply = data, .reply_n = 3};
	size_t n = fuse_server_handle_to(&f->server, (const uint8_t *)&in, sizeof(in), f->out,
					 OUT_SIZE, &bufs);
	size_t placed = bufs.placed;
	struct fuse_out_header oh;
	memcpy(&oh, f->out, sizeof(oh));
	assert_int_equal(oh.error, 0);
	assert_int_equal(placed, FUSE_SERVER_MAX_READ);
	assert_int_equal(n, sizeof(oh) + FUSE_SERVER_MAX_READ);
	assert_int_equal(oh.len, n);
	assert_memory_equal(a, content + 4096, sizeof(a));
	assert_memory_equal(b, content + 4096 + sizeof(a), sizeof(b));
	assert_memory_equal(c, content + 4096 + sizeof(a) + sizeof(b),
			    FUSE_SERVER_MAX_READ - sizeof(a) - sizeof(b));
	/* A short file end: what is there, then nothing. */
	in.rd.offset = size - 50;
	n = fuse_server_handle_to(&f->server, (const uint8_t *)&in, sizeof(in), f->out, OUT_SIZE,
				  &bufs);
	placed = bufs.placed;
	assert_int_equal(placed, 50);
	assert_int_equal(n, sizeof(oh) + 50);
	assert_memory_equal(a, content + size - 50, 50);
	in.rd.offset = size;
	n = fuse_server_handle_to(&f->server, (const uint8_t *)&in, sizeof(in), f->out, OUT_SIZE,
				  &bufs);
	placed = bufs.placed;
	assert_int_equal(placed, 0);
	assert_int_equal(n, sizeof(oh));
	/* A failed READ places nothing and says why. */
	in.rd.fh = fh + 100;
	n = fuse_server_handle_to(&f->server, (const uint8_t *)&in, sizeof(in), f->out, OUT_SIZE,
				  &bufs);
	placed = bufs.placed;
	memcpy(&oh, f->out, sizeof(oh));
	assert_int_equal(placed, 0);
	assert_int_equal(oh.error, -EBADF);
	assert_int_equal(n, sizeof(oh));
	free(content);
}

/* A WRITE as the device hands it over: `in` holds its head only, the
 * data comes from the guest's buffers (the request cut in three, of odd
 * sizes, the cut inside the head too); a size beyond the request, a
 * request beyond its buffers and, without the buffers, a head alone are
 * refused and write nothing. */
static void test_write_from_guest_buffers(void **state)
{
	struct fixture *f = *state;
	size_t size = FUSE_SERVER_MAX_WRITE;
	struct fuse_create_in ci = {.flags = O_RDWR | O_CREAT, .mode = 0600};
	struct reply r = call(f, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), NAME("w"), NULL);
	assert_int_equal(r.error, 0);
	struct fuse_entry_out e;
	struct fuse_open_out o;
	memcpy(&e, r.data, sizeof(e));
	memcpy(&o, r.data + sizeof(e), sizeof(o));

	uint8_t *request = malloc(FUSE_SERVER_WRITE_HEAD + size);
	struct fuse_in_header h = {.len = (uint32_t)(FUSE_SERVER_WRITE_HEAD + size),
				   .opcode = FUSE_WRITE,
				   .unique = 7,
				   .nodeid = e.nodeid};
	struct fuse_write_in wi = {.fh = o.fh, .offset = 10, .size = (uint32_t)size};
	memcpy(request, &h, sizeof(h));
	memcpy(request + sizeof(h), &wi, sizeof(wi));
	for (size_t i = 0; i < size; i++)
		request[FUSE_SERVER_WRITE_HEAD + i] = (uint8_t)(i * 13 + i / 4096);
	struct iovec parts[] = {{request, 50},
				{request + 50, 5000},
				{request + 5050, FUSE_SERVER_WRITE_HEAD + size - 5050}};
	struct fuse_guest_bufs bufs = {
		.request = parts, .request_n = 3, .request_len = FUSE_SERVER_WRITE_HEAD + size};
	size_t n = fuse_server_handle_to(&f->server, request, FUSE_SERVER_WRITE_HEAD, f->out,
					 OUT_SIZE, &bufs);
	struct fuse_out_header oh;
	struct fuse_write_out wo;
	memcpy(&oh, f->out, sizeof(oh));
	memcpy(&wo, f->out + sizeof(oh), sizeof(wo));
	assert_int_equal(oh.error, 0);
	assert_int_equal(n, sizeof(oh) + sizeof(wo));
	assert_int_equal(wo.size, size);
	assert_int_equal(bufs.placed, 0);
	char path[128];
	snprintf(path, sizeof(path), "%s/w", f->dir);
	int fd = open(path, O_RDONLY);
	uint8_t *back = malloc(size + 10);
	assert_int_equal(read(fd, back, size + 10), (ssize_t)(size + 10));
	assert_memory_equal(back + 10, request + FUSE_SERVER_WRITE_HEAD, size);
	close(fd);

	/* Refused: a size past the request's end; a request longer than its
	 * buffers; a head alone with no buffers to take the data from. */
	struct fuse_write_in bad = wi;
	bad.offset = 1u << 30;
	bad.size = (uint32_t)size + 1;
	memcpy(request + sizeof(h), &bad, sizeof(bad));
	fuse_server_handle_to(&f->server, request, FUSE_SERVER_WRITE_HEAD, f->out, OUT_SIZE, &bufs);
	memcpy(&oh, f->out, sizeof(oh));
	assert_int_equal(oh.error, -EINVAL);
	bad.size = (uint32_t)size;
	memcpy(request + sizeof(h), &bad, sizeof(bad));
	bufs.request_len = FUSE_SERVER_WRITE_HEAD + size - 1;
	fuse_server_handle_to(&f->server, request, FUSE_SERVER_WRITE_HEAD, f->out, OUT_SIZE, &bufs);
	memcpy(&oh, f->out, sizeof(oh));
	assert_int_equal(oh.error, -EINVAL);
	fuse_server_handle(&f->server, request, FUSE_SERVER_WRITE_HEAD, f->out, OUT_SIZE);
	memcpy(&oh, f->out, sizeof(oh));
	assert_int_equal(oh.error, -EINVAL);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, size + 10);
	free(back);
	free(request);
}

static void test_escaping_names(void **state)
{
	struct fixture *f = *state;
	lookup(f, FUSE_ROOT_ID, "..", -EINVAL);
	lookup(f, FUSE_ROOT_ID, ".", -EINVAL);
	lookup(f, FUSE_ROOT_ID, "sub/inner", -EINVAL);
	lookup(f, FUSE_ROOT_ID, "", -EINVAL);
	char long_name[300];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	lookup(f, FUSE_ROOT_ID, long_name, -EINVAL);
	/* A name without its NUL. */
	struct reply r = call(f, FUSE_LOOKUP, FUSE_ROOT_ID, "hello.txt", (size_t)9, NULL);
	assert_int_equal(r.error, -EINVAL);
	/* `..` from a subdirectory is refused too: the guest resolves it. */
	struct fuse_entry_out sub = lookup(f, FUSE_ROOT_ID, "sub", 0);
	lookup(f, sub.nodeid, "..", -EINVAL);
	struct fuse_mkdir_in mk = {.mode = 0755};
	assert_int_equal(
		call(f, FUSE_MKDIR, FUSE_ROOT_ID, &mk, sizeof(mk), NAME("a/b"), NULL).error,
		-EINVAL);
}

static void test_symlink_out_is_not_followed(void **state)
{
	struct fixture *f = *state;
	struct fuse_entry_out link = lookup(f, FUSE_ROOT_ID, "out", 0);
	assert_true(S_ISLNK(link.attr.mode));
	/* The link is a node of its own: nothing under it, never opened. */
	lookup(f, link.nodeid, "passwd", -ENOTDIR);
	open_node(f, link.nodeid, O_RDONLY, -EACCES);
	struct fuse_open_in oi = {.flags = O_RDONLY};
	assert_int_equal(call(f, FUSE_OPENDIR, link.nodeid, &oi, sizeof(oi), NULL).error, -ENOTDIR);
	struct reply r = call(f, FUSE_READLINK, link.nodeid, NULL);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.len, 4);
	assert_memory_equal(r.data, "/etc", 4);
	struct fuse_getxattr_in gx = {.size = 0};
	r = call(f, FUSE_GETXATTR, link.nodeid, &gx, sizeof(gx), NAME("user.x"), NULL);
	assert_int_equal(r.error, -ENODATA);
	struct fuse_setattr_in sa = {.valid = FATTR_MODE, .mode = 0777};
	r = call(f, FUSE_SETATTR, link.nodeid, &sa, sizeof(sa), NULL);
	assert_int_equal(r.error, -EOPNOTSUPP);
}

/* The host swaps a directory of the export with a symlink to /etc
 * (RENAME_EXCHANGE, 20,000 times, yielding between swaps so that under
 * valgrind, which runs one thread at a time, the lookups get their turn)
 * while the guest looks up through the name: whichever it gets, nothing
 * under it is /etc's. */
struct swapper {
	char a[128], b[128];
	atomic_bool stop;
};

static void *swap_names(void *arg)
{
	struct swapper *s = arg;
	for (int i = 0; i < 20000 && !atomic_load(&s->stop); i++) {
		renameat2(AT_FDCWD, s->a, AT_FDCWD, s->b, RENAME_EXCHANGE);
		sched_yield();
	}
	atomic_store(&s->stop, true);
	return NULL;
}

static void test_rename_race_stays_inside(void **state)
{
	struct fixture *f = *state;
	struct swapper s;
	pthread_t t;
	unsigned dirs = 0, links = 0, escapes = 0;
	snprintf(s.a, sizeof(s.a), "%s/flip", f->dir);
	snprintf(s.b, sizeof(s.b), "%s/flop", f->dir);
	assert_int_equal(mkdir(s.a, 0755), 0);
	assert_int_equal(symlink("/etc", s.b), 0);
	atomic_init(&s.stop, false);
	assert_int_equal(pthread_create(&t, NULL, swap_names, &s), 0);
	for (int i = 0; i < 4000 && !atomic_load(&s.stop); i++) {
		struct reply r = call(f, FUSE_LOOKUP, FUSE_ROOT_ID, NAME("flip"), NULL);
		if (r.error != 0)
			continue;
		struct fuse_entry_out e;
		memcpy(&e, r.data, sizeof(e));
		if (S_ISDIR(e.attr.mode))
			dirs++;
		else
			links++;
		/* /etc has passwd and hostname; the directory has neither. */
		escapes += call(f, FUSE_LOOKUP, e.nodeid, NAME("passwd"), NULL).error == 0;
		struct fuse_open_in oi = {.flags = O_RDONLY};
		struct reply o = call(f, FUSE_OPENDIR, e.nodeid, &oi, sizeof(oi), NULL);
		if (o.error == 0 && !S_ISDIR(e.attr.mode))
			escapes++; /* a symlink's node opened as a directory */
		struct fuse_forget_in forget = {.nlookup = 1};
		call(f, FUSE_FORGET, e.nodeid, &forget, sizeof(forget), NULL);
	}
	atomic_store(&s.stop, true);
	pthread_join(t, NULL);
	assert_int_equal(escapes, 0);
	/* The race ran: both kinds were seen under the one name. */
	assert_true(dirs > 0 && links > 0);
}

static void test_create_write_and_entries(void **state)
{
	struct fixture *f = *state;
	char path[256];
	struct fuse_create_in ci = {.flags = O_RDWR | O_CREAT, .mode = 0640};
	struct reply r = call(f, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), NAME("new"), NULL);
	assert_int_equal(r.error, 0);
	struct fuse_entry_out e;
	struct fuse_open_out o;
	assert_int_equal(r.len, sizeof(e) + sizeof(o));
	memcpy(&e, r.data, sizeof(e));
	memcpy(&o, r.data + sizeof(e), sizeof(o));
	struct fuse_write_in wi = {.fh = o.fh, .offset = 0, .size = 5};
	r = call(f, FUSE_WRITE, e.nodeid, &wi, sizeof(wi), "12345", (size_t)5, NULL);
	assert_int_equal(r.error, 0);
	/* A size larger than the data sent. */
	wi.size = 1u << 30;
	r = call(f, FUSE_WRITE, e.nodeid, &wi, sizeof(wi), "x", (size_t)1, NULL);
	assert_int_equal(r.error, -EINVAL);
	struct fuse_fsync_in fs = {.fh = o.fh};
	assert_int_equal(call(f, FUSE_FSYNC, e.nodeid, &fs, sizeof(fs), NULL).error, 0);
	struct fuse_flush_in fl = {.fh = o.fh};
	assert_int_equal(call(f, FUSE_FLUSH, e.nodeid, &fl, sizeof(fl), NULL).error, 0);
	struct fuse_fallocate_in fa = {.fh = o.fh, .offset = 0, .length = 8192};
	assert_int_equal(call(f, FUSE_FALLOCATE, e.nodeid, &fa, sizeof(fa), NULL).error, 0);
	struct fuse_lseek_in ls = {.fh = o.fh, .offset = 0, .whence = SEEK_END};
	r = call(f, FUSE_LSEEK, e.nodeid, &ls, sizeof(ls), NULL);
	assert_int_equal(r.error, 0);
	struct fuse_setattr_in sa = {.valid = FATTR_SIZE, .size = 3};
	r = call(f, FUSE_SETATTR, e.nodeid, &sa, sizeof(sa), NULL);
	assert_int_equal(r.error, 0);
	struct fuse_attr_out ao;
	memcpy(&ao, r.data, sizeof(ao));
	assert_int_equal(ao.attr.size, 3);
	struct stat st;
	snprintf(path, sizeof(path), "%s/new", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(st.st_mode & 07777, 0640);

	/* copy_file_range from hello.txt into new. */
	struct fuse_entry_out hello = lookup(f, FUSE_ROOT_ID, "hello.txt", 0);
	uint64_t in_fh = open_node(f, hello.nodeid, O_RDONLY, 0);
	struct fuse_copy_file_range_in cr = {
		.fh_in = in_fh, .nodeid_out = e.nodeid, .fh_out = o.fh, .off_out = 3, .len = 5};
	r = call(f, FUSE_COPY_FILE_RANGE, hello.nodeid, &cr, sizeof(cr), NULL);
	assert_int_equal(r.error, 0);
	struct fuse_write_out wo;
	memcpy(&wo, r.data, sizeof(wo));
	assert_int_equal(wo.size, 5);

	struct fuse_mkdir_in mk = {.mode = 0750};
	r = call(f, FUSE_MKDIR, FUSE_ROOT_ID, &mk, sizeof(mk), NAME("dir"), NULL);
	assert_int_equal(r.error, 0);
	snprintf(path, sizeof(path), "%s/dir", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	struct fuse_mknod_in mn = {.mode = S_IFIFO | 0600};
	assert_int_equal(
		call(f, FUSE_MKNOD, FUSE_ROOT_ID, &mn, sizeof(mn), NAME("fifo"), NULL).error, 0);
	mn = (struct fuse_mknod_in){.mode = S_IFCHR | 0600, .rdev = 0x0801};
	assert_int_equal(
		call(f, FUSE_MKNOD, FUSE_ROOT_ID, &mn, sizeof(mn), NAME("disk"), NULL).error,
		-EPERM);
	r = call(f, FUSE_SYMLINK, FUSE_ROOT_ID, NAME("ln"), NAME("hello.txt"), NULL);
	assert_int_equal(r.error, 0);
	struct fuse_link_in li = {.oldnodeid = hello.nodeid};
	assert_int_equal(
		call(f, FUSE_LINK, FUSE_ROOT_ID, &li, sizeof(li), NAME("hard"), NULL).error, 0);
	snprintf(path, sizeof(path), "%s/hard", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_nlink, 2);
	struct fuse_rename_in rn = {.newdir = FUSE_ROOT_ID};
	assert_int_equal(call(f, FUSE_RENAME, FUSE_ROOT_ID, &rn, sizeof(rn), NAME("hard"),
			      NAME("hard2"), NULL)
				 .error,
			 0);
	struct fuse_rename2_in rn2 = {.newdir = FUSE_ROOT_ID, .flags = RENAME_NOREPLACE};
	assert_int_equal(call(f, FUSE_RENAME2, FUSE_ROOT_ID, &rn2, sizeof(rn2), NAME("hard2"),
			      NAME("hello.txt"), NULL)
				 .error,
			 -EEXIST);
	assert_int_equal(call(f, FUSE_UNLINK, FUSE_ROOT_ID, NAME("hard2"), NULL).error, 0);
	assert_int_equal(call(f, FUSE_RMDIR, FUSE_ROOT_ID, NAME("dir"), NULL).error, 0);
	assert_int_equal(call(f, FUSE_RMDIR, FUSE_ROOT_ID, NAME("sub"), NULL).error, -ENOTEMPTY);
	snprintf(path, sizeof(path), "%s/dir", f->dir);
	assert_int_equal(access(path, F_OK), -1);
}

/* Every name in the reply of a READDIR (or READDIRPLUS). */
static int count_entries(const struct reply *r, bool plus, const char *want)
{
	int found = 0;
	size_t pos = 0;
	while (pos < r->len) {
		if (plus)
			pos += sizeof(struct fuse_entry_out);
		struct fuse_dirent d;
		memcpy(&d, r->data + pos, sizeof(d));
		if (d.namelen == strlen(want) &&
		    memcmp(r->data + pos + FUSE_NAME_OFFSET, want, d.namelen) == 0)
			found++;
		pos += FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + d.namelen);
	}
	return found;
}

static void test_readdir(void **state)
{
	struct fixture *f = *state;
	struct fuse_open_in oi = {.flags = O_RDONLY};
	struct reply r = call(f, FUSE_OPENDIR, FUSE_ROOT_ID, &oi, sizeof(oi), NULL);
	assert_int_equal(r.error, 0);
	struct fuse_open_out o;
	memcpy(&o, r.data, sizeof(o));
	struct fuse_read_in rd = {.fh = o.fh, .offset = 0, .size = 4096};
	r = call(f, FUSE_READDIR, FUSE_ROOT_ID, &rd, sizeof(rd), NULL);
	assert_int_equal(r.error, 0);
	assert_int_equal(count_entries(&r, false, "hello.txt"), 1);
	assert_int_equal(count_entries(&r, false, "sub"), 1);
	assert_int_equal(count_entries(&r, false, "out"), 1);
	r = call(f, FUSE_READDIRPLUS, FUSE_ROOT_ID, &rd, sizeof(rd), NULL);
	assert_int_equal(r.error, 0);
	assert_int_equal(count_entries(&r, true, "hello.txt"), 1);
	assert_int_equal(count_entries(&r, true, "sub"), 1);
	struct fuse_fsync_in fs = {.fh = o.fh};
	assert_int_equal(call(f, FUSE_FSYNCDIR, FUSE_ROOT_ID, &fs, sizeof(fs), NULL).error, 0);
	struct fuse_release_in rel = {.fh = o.fh};
	assert_int_equal(call(f, FUSE_RELEASEDIR, FUSE_ROOT_ID, &rel, sizeof(rel), NULL).error, 0);
	/* A directory handle is not a file handle. */
	assert_int_equal(call(f, FUSE_READDIR, FUSE_ROOT_ID, &rd, sizeof(rd), NULL).error, -EBADF);
	r = call(f, FUSE_STATFS, FUSE_ROOT_ID, NULL);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.len, sizeof(struct fuse_statfs_out));
	struct fuse_access_in ai = {.mask = R_OK};
	assert_int_equal(call(f, FUSE_ACCESS, FUSE_ROOT_ID, &ai, sizeof(ai), NULL).error, 0);
}

static void test_xattrs(void **state)
{
	struct fixture *f = *state;
	char path[256];
	snprintf(path, sizeof(path), "%s/hello.txt", f->dir);
	if (setxattr(path, "user.probe", "1", 1, 0) < 0) {
		skip(); /* the temporary directory's file system has no user xattrs */
	}
	struct fuse_entry_out e = lookup(f, FUSE_ROOT_ID, "hello.txt", 0);
	struct fuse_setxattr_in sx = {.size = 3};
	struct reply r = call(f, FUSE_SETXATTR, e.nodeid, &sx, (size_t)FUSE_COMPAT_SETXATTR_IN_SIZE,
			      NAME("user.color"), "red", (size_t)3, NULL);
	assert_int_equal(r.error, 0);
	r = call(f, FUSE_SETXATTR, e.nodeid, &sx, (size_t)FUSE_COMPAT_SETXATTR_IN_SIZE,
		 NAME("trusted.overlay.redirect"), "red", (size_t)3, NULL);
	assert_int_equal(r.error, -EPERM);
	sx.size = 1u << 20; /* more than was sent */
	r = call(f, FUSE_SETXATTR, e.nodeid, &sx, (size_t)FUSE_COMPAT_SETXATTR_IN_SIZE,
		 NAME("user.big"), "x", (size_t)1, NULL);
	assert_int_equal(r.error, -EINVAL);
	struct fuse_getxattr_in gx = {.size = 0};
	r = call(f, FUSE_GETXATTR, e.nodeid, &gx, sizeof(gx), NAME("user.color"), NULL);
	assert_int_equal(r.error, 0);
	struct fuse_getxattr_out go;
	memcpy(&go, r.data, sizeof(go));
	assert_int_equal(go.size, 3);
	gx.size = 64;
	r = call(f, FUSE_GETXATTR, e.nodeid, &gx, sizeof(gx), NAME("user.color"), NULL);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.data, "red", 3);
	r = call(f, FUSE_LISTXATTR, e.nodeid, &gx, sizeof(gx), NULL);
	assert_int_equal(r.error, 0);
	assert_non_null(memmem(r.data, r.len, "user.color", 11));
	assert_int_equal(call(f, FUSE_REMOVEXATTR, e.nodeid, NAME("user.color"), NULL).error, 0);
	gx.size = 0;
	r = call(f, FUSE_GETXATTR, e.nodeid, &gx, sizeof(gx), NAME("user.color"), NULL);
	assert_int_equal(r.error, -ENODATA);
}

static void test_malformed_requests(void **state)
{
	struct fixture *f = *state;
	uint8_t in[64] = {0};
	struct fuse_in_header h = {.len = 1000, .opcode = FUSE_GETATTR, .unique = 9, .nodeid = 1};
	memcpy(in, &h, sizeof(h));
	/* A header claiming more than was sent. */
	size_t n = fuse_server_handle(&f->server, in, sizeof(h), f->out, OUT_SIZE);
	struct fuse_out_header oh;
	memcpy(&oh, f->out, sizeof(oh));
	assert_int_equal(n, sizeof(oh));
	assert_int_equal(oh.error, -EINVAL);
	/* Less than a header: nothing to answer. */
	assert_int_equal(fuse_server_handle(&f->server, in, 10, f->out, OUT_SIZE), 0);
	/* A reply buffer too small for any reply. */
	h.len = sizeof(h);
	memcpy(in, &h, sizeof(h));
	assert_int_equal(fuse_server_handle(&f->server, in, sizeof(h), f->out, 8), 0);
	assert_int_equal(call(f, 4000, FUSE_ROOT_ID, NULL).error, -ENOSYS);
	assert_int_equal(call(f, FUSE_GETLK, FUSE_ROOT_ID, NULL).error, -ENOSYS);
	struct fuse_getattr_in ga = {0};
	assert_int_equal(call(f, FUSE_GETATTR, 12345, &ga, sizeof(ga), NULL).error, -ESTALE);
	assert_int_equal(call(f, FUSE_GETATTR, 0, &ga, sizeof(ga), NULL).error, -ESTALE);
	/* Arguments shorter than their struct. */
	assert_int_equal(call(f, FUSE_OPEN, FUSE_ROOT_ID, "x", (size_t)1, NULL).error, -EINVAL);
	assert_int_equal(call(f, FUSE_READ, FUSE_ROOT_ID, "x", (size_t)1, NULL).error, -EINVAL);
	/* FORGET takes no reply; a forgotten id is stale; the root stays. */
	struct fuse_entry_out e = lookup(f, FUSE_ROOT_ID, "hello.txt", 0);
	struct fuse_forget_in fg = {.nlookup = 1};
	assert_true(call(f, FUSE_FORGET, e.nodeid, &fg, sizeof(fg), NULL).none);
	assert_int_equal(call(f, FUSE_GETATTR, e.nodeid, &ga, sizeof(ga), NULL).error, -ESTALE);
	fg.nlookup = UINT64_MAX;
	assert_true(call(f, FUSE_FORGET, FUSE_ROOT_ID, &fg, sizeof(fg), NULL).none);
	assert_int_equal(call(f, FUSE_GETATTR, FUSE_ROOT_ID, &ga, sizeof(ga), NULL).error, 0);
	/* BATCH_FORGET with a count far beyond what it carries. */
	e = lookup(f, FUSE_ROOT_ID, "hello.txt", 0);
	struct fuse_batch_forget_in bf = {.count = 1u << 30};
	struct fuse_forget_one one = {.nodeid = e.nodeid, .nlookup = 1};
	assert_true(call(f, FUSE_BATCH_FORGET, 0, &bf, sizeof(bf), &one, sizeof(one), NULL).none);
	assert_int_equal(call(f, FUSE_GETATTR, e.nodeid, &ga, sizeof(ga), NULL).error, -ESTALE);
	/* DESTROY, then nothing but INIT works. */
	assert_int_equal(call(f, FUSE_DESTROY, FUSE_ROOT_ID, NULL).error, 0);
	assert_int_equal(call(f, FUSE_GETATTR, FUSE_ROOT_ID, &ga, sizeof(ga), NULL).error, -EIO);
	init_server(f);
	assert_int_equal(call(f, FUSE_GETATTR, FUSE_ROOT_ID, &ga, sizeof(ga), NULL).error, 0);
}

static void test_old_protocol_refused(void **state)
{
	struct fixture *f = *state;
	struct fuse_init_in in = {.major = 7, .minor = 20};
	assert_int_equal(call(f, FUSE_INIT, 0, &in, sizeof(in), NULL).error, -EPROTO);
	in.major = 8;
	assert_int_equal(call(f, FUSE_INIT, 0, &in, sizeof(in), NULL).error, -EPROTO);
}

static void test_read_only_export(void **state)
{
	struct fixture *f = *state;
	struct fuse_entry_out e = lookup(f, FUSE_ROOT_ID, "hello.txt", 0);
	open_node(f, e.nodeid, O_RDWR, -EROFS);
	open_node(f, e.nodeid, O_RDONLY | O_TRUNC, -EROFS);
	uint64_t fh = open_node(f, e.nodeid, O_RDONLY, 0);
	struct fuse_write_in wi = {.fh = fh, .size = 1};
	assert_int_equal(call(f, FUSE_WRITE, e.nodeid, &wi, sizeof(wi), "x", (size_t)1, NULL).error,
			 -EROFS);
	struct fuse_create_in ci = {.flags = O_RDWR, .mode = 0644};
	assert_int_equal(
		call(f, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), NAME("new"), NULL).error,
		-EROFS);
	struct fuse_mkdir_in mk = {.mode = 0755};
	assert_int_equal(call(f, FUSE_MKDIR, FUSE_ROOT_ID, &mk, sizeof(mk), NAME("d"), NULL).error,
			 -EROFS);
	assert_int_equal(call(f, FUSE_UNLINK, FUSE_ROOT_ID, NAME("hello.txt"), NULL).error, -EROFS);
	struct fuse_setattr_in sa = {.valid = FATTR_SIZE, .size = 0};
	assert_int_equal(call(f, FUSE_SETATTR, e.nodeid, &sa, sizeof(sa), NULL).error, -EROFS);
	struct fuse_access_in ai = {.mask = W_OK};
	assert_int_equal(call(f, FUSE_ACCESS, e.nodeid, &ai, sizeof(ai), NULL).error, -EROFS);
	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "%s/hello.txt", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 13);
}

/* A pool's VM (runtime/pool.h): the server exists before its export;
 * every request fails with EIO until the export, which comes once. */
static void test_export_later(void **state)
{
	struct fixture *f = *state;
	struct error *err = NULL;
	fuse_server_release(&f->server);
	fuse_server_init_unexported(&f->server);
	struct fuse_init_in in = {.major = 7, .minor = 38, .max_readahead = 65536};
	struct reply r = call(f, FUSE_INIT, 0, &in, sizeof(in), NULL);
	assert_int_equal(r.error, -EIO);
	r = call(f, FUSE_LOOKUP, FUSE_ROOT_ID, NAME("hello.txt"), NULL);
	assert_int_equal(r.error, -EIO);
	char missing[80];
	snprintf(missing, sizeof(missing), "%s/no-such-dir", f->dir);
	assert_int_equal(fuse_server_export(&f->server, missing, false, &err), -1);
	assert_non_null(strstr(err->msg, "no-such-dir"));
	error_release(&err);
	assert_int_equal(fuse_server_export(&f->server, f->dir, true, &err), 0);
	init_server(f);
	struct fuse_entry_out e = lookup(f, FUSE_ROOT_ID, "hello.txt", 0);
	assert_true(e.nodeid > FUSE_ROOT_ID);
	assert_true(f->server.read_only);
	assert_int_equal(fuse_server_export(&f->server, f->dir, false, &err), -1);
	assert_int_equal(err->errnum, EBUSY);
	error_release(&err);
}

/* The permissions of the mapping holding `addr` ("r--s", "---p"...), from
 * /proc/self/maps. */
static void perms_at(const void *addr, char perms[5])
{
	FILE *maps = fopen("/proc/self/maps", "r");
	unsigned long start, end, a = (unsigned long)addr;
	char p[5];
	strcpy(perms, "none");
	assert_non_null(maps);
	while (fscanf(maps, "%lx-%lx %4s%*[^\n]", &start, &end, p) == 3)
		if (a >= start && a < end)
			strcpy(perms, p);
	fclose(maps);
}

static int setupmapping(struct fixture *f, uint64_t node, uint64_t foffset, uint64_t moffset,
			uint64_t len, uint64_t flags)
{
	struct fuse_setupmapping_in in = {.fh = UINT64_MAX,
					  .foffset = foffset,
					  .len = len,
					  .flags = flags,
					  .moffset = moffset};
	return call(f, FUSE_SETUPMAPPING, node, &in, sizeof(in), NULL).error;
}

#define DAX_READ  FUSE_SETUPMAPPING_FLAG_READ
#define DAX_WRITE (FUSE_SETUPMAPPING_FLAG_READ | FUSE_SETUPMAPPING_FLAG_WRITE)
#define CHUNK	  FUSE_DAX_CHUNK

/* A file of 3 MiB + 100 bytes, byte i = i % 251, in the export. */
static uint64_t dax_file(struct fixture *f, uint8_t **pattern)
{
	size_t size = (3u << 20) + 100;
	uint8_t *p = malloc(size);
	for (size_t i = 0; i < size; i++)
		p[i] = (uint8_t)(i % 251);
	char path[128];
	snprintf(path, sizeof(path), "%s/big", f->dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(write(fd, p, size), (ssize_t)size);
	close(fd);
	*pattern = p;
	return lookup(f, FUSE_ROOT_ID, "big", 0).nodeid;
}

/* SETUPMAPPING puts the file's pages (the host's page cache: a write on
 * either side shows on the other) in the window; REMOVEMAPPING and
 * DESTROY reserve the window again; INIT offers the alignment. */
static void test_dax_mappings(void **state)
{
	struct fixture *f = *state;
	struct error *err = NULL;
	uint8_t *pattern;
	uint64_t node = dax_file(f, &pattern);
	assert_int_equal(setupmapping(f, node, 0, 0, CHUNK, DAX_READ), -ENOSYS);
	assert_int_equal(fuse_dax_init(&f->server.dax, 4 * CHUNK, &err), 0);
	uint8_t *w = f->server.dax.host;
	char perms[5];
	perms_at(w + 3 * CHUNK, perms);
	assert_string_equal(perms, "---p");

	/* Files are DAX when the guest asks for DAX per file: the export's
	 * regular files (its file system, ext4 or tmpfs here, maps them). */
	assert_int_equal(lookup(f, FUSE_ROOT_ID, "big", 0).attr.flags & FUSE_ATTR_DAX, 0);
	struct fuse_init_in in = {.major = 7,
				  .minor = 38,
				  .flags = FUSE_MAP_ALIGNMENT | FUSE_INIT_EXT,
				  .flags2 = FUSE_HAS_INODE_DAX >> 32};
	struct reply r = call(f, FUSE_INIT, 0, &in, sizeof(in), NULL);
	struct fuse_init_out out;
	memcpy(&out, r.data, sizeof(out));
	assert_true(out.flags & FUSE_MAP_ALIGNMENT);
	assert_true(out.flags & FUSE_INIT_EXT);
	assert_int_equal(out.flags2, FUSE_HAS_INODE_DAX >> 32);
	assert_int_equal(out.map_alignment, 21);
	assert_true(fuse_dax_fs_mappable(f->server.inodes.slots[0]->fd));
	assert_int_equal(lookup(f, FUSE_ROOT_ID, "big", 0).attr.flags & FUSE_ATTR_DAX,
			 FUSE_ATTR_DAX);
	assert_int_equal(lookup(f, FUSE_ROOT_ID, "sub", 0).attr.flags & FUSE_ATTR_DAX, 0);

	assert_int_equal(setupmapping(f, node, 0, CHUNK, CHUNK, DAX_READ), 0);
	assert_memory_equal(w + CHUNK, pattern, CHUNK);
	perms_at(w + CHUNK, perms);
	assert_string_equal(perms, "r--s");
	char path[128];
	snprintf(path, sizeof(path), "%s/big", f->dir);
	int fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, "HOST", 4, 10), 4);
	assert_memory_equal(w + CHUNK + 10, "HOST", 4);

	/* Writable, at a file offset of 2 MiB: the guest's store is the file's. */
	assert_int_equal(setupmapping(f, node, CHUNK, 0, CHUNK, DAX_WRITE), 0);
	assert_memory_equal(w, pattern + CHUNK, 4096);
	memcpy(w + 5, "GUEST", 5);
	char back[5];
	assert_int_equal(pread(fd, back, 5, CHUNK + 5), 5);
	assert_memory_equal(back, "GUEST", 5);
	close(fd);

	/* Opened for writing, the file's chunks are mapped again (overlayfs
	 * would give the upper layer's file now): other fds, the same pages. */
	int before = f->server.dax.chunks[0].fd;
	uint64_t fh = open_node(f, node, O_RDWR, 0);
	assert_int_not_equal(f->server.dax.chunks[0].fd, before);
	assert_int_equal(f->server.dax.chunks[0].node, node);
	assert_memory_equal(w + 5, "GUEST", 5);
	assert_memory_equal(w + CHUNK + 10, "HOST", 4);
	perms_at(w, perms);
	assert_string_equal(perms, "rw-s");
	struct fuse_release_in rel = {.fh = fh};
	assert_int_equal(call(f, FUSE_RELEASE, node, &rel, sizeof(rel), NULL).error, 0);

	/* Ranges that are not whole chunks of the window, or not pages of the
	 * file, other flags, nodes that are not regular files. */
	assert_int_equal(setupmapping(f, node, 0, CHUNK / 2, CHUNK, DAX_READ), -EINVAL);
	assert_int_equal(setupmapping(f, node, 0, 0, CHUNK / 2, DAX_READ), -EINVAL);
	assert_int_equal(setupmapping(f, node, 0, 0, 0, DAX_READ), -EINVAL);
	assert_int_equal(setupmapping(f, node, 0, 3 * CHUNK, 2 * CHUNK, DAX_READ), -EINVAL);
	assert_int_equal(setupmapping(f, node, 0, 4 * CHUNK, CHUNK, DAX_READ), -EINVAL);
	assert_int_equal(setupmapping(f, node, 0, CHUNK, UINT64_MAX - CHUNK + 1, DAX_READ),
			 -EINVAL);
	assert_int_equal(setupmapping(f, node, 100, 2 * CHUNK, CHUNK, DAX_READ), -EINVAL);
	assert_int_equal(setupmapping(f, node, UINT64_MAX - 4095, 2 * CHUNK, CHUNK, DAX_READ),
			 -EINVAL);
	assert_int_equal(setupmapping(f, node, 0, 2 * CHUNK, CHUNK, 1ull << 5), -EINVAL);
	assert_int_equal(setupmapping(f, FUSE_ROOT_ID, 0, 2 * CHUNK, CHUNK, DAX_READ), -EINVAL);
	assert_int_equal(setupmapping(f, node + 1000, 0, 2 * CHUNK, CHUNK, DAX_READ), -ESTALE);
	perms_at(w + 2 * CHUNK, perms);
	assert_string_equal(perms, "---p");

	/* REMOVEMAPPING: each range, the first error answered. */
	struct fuse_removemapping_in rm = {.count = 2};
	struct fuse_removemapping_one ones[2] = {{.moffset = 5, .len = CHUNK},
						 {.moffset = CHUNK, .len = CHUNK}};
	r = call(f, FUSE_REMOVEMAPPING, 0, &rm, sizeof(rm), ones, sizeof(ones), NULL);
	assert_int_equal(r.error, -EINVAL);
	perms_at(w + CHUNK, perms);
	assert_string_equal(perms, "---p");
	rm.count = 3; /* more than it carries */
	r = call(f, FUSE_REMOVEMAPPING, 0, &rm, sizeof(rm), ones, sizeof(ones), NULL);
	assert_int_equal(r.error, -EINVAL);
	rm.count = 0;
	r = call(f, FUSE_REMOVEMAPPING, 0, &rm, sizeof(rm), NULL);
	assert_int_equal(r.error, -EINVAL);

	/* DESTROY (the guest unmounts) leaves nothing mapped. */
	perms_at(w, perms);
	assert_string_equal(perms, "rw-s");
	assert_int_equal(call(f, FUSE_DESTROY, 0, NULL).error, 0);
	perms_at(w, perms);
	assert_string_equal(perms, "---p");
	free(pattern);
}

/* A file the host truncates under a mapping: fuse_dax_repair puts zeroes
 * under the pages it lost, once, and leaves alone a chunk whose file ends
 * inside it from the start, or grows. */
static void test_dax_repair(void **state)
{
	struct fixture *f = *state;
	struct error *err = NULL;
	uint8_t *pattern;
	uint64_t node = dax_file(f, &pattern);
	assert_int_equal(fuse_dax_init(&f->server.dax, 2 * CHUNK, &err), 0);
	init_server(f);
	uint8_t *w = f->server.dax.host;
	assert_false(fuse_dax_repair(&f->server.dax));
	assert_int_equal(setupmapping(f, node, 0, 0, CHUNK, DAX_READ), 0);
	assert_int_equal(setupmapping(f, node, CHUNK, CHUNK, CHUNK, DAX_READ), 0);
	assert_false(fuse_dax_repair(&f->server.dax)); /* it ends in chunk 1 */
	assert_memory_equal(w + CHUNK, pattern + CHUNK, (1u << 20) + 100);

	char path[128];
	snprintf(path, sizeof(path), "%s/big", f->dir);
	assert_int_equal(truncate(path, CHUNK + 8192), 0);
	assert_true(fuse_dax_repair(&f->server.dax));
	assert_false(fuse_dax_repair(&f->server.dax));
	assert_memory_equal(w + CHUNK, pattern + CHUNK, 8192);
	assert_int_equal(w[CHUNK + 8192], 0);
	assert_int_equal(w[2 * CHUNK - 1], 0);
	assert_memory_equal(w, pattern, CHUNK); /* chunk 0: the file's still */
	char perms[5];
	perms_at(w, perms);
	assert_string_equal(perms, "r--s");
	perms_at(w + 2 * CHUNK - 1, perms);
	assert_string_equal(perms, "rw-p");
	assert_int_equal(truncate(path, 3 * CHUNK), 0);
	assert_false(fuse_dax_repair(&f->server.dax));
	/* Mapped again, the chunk is the file's again. */
	assert_int_equal(setupmapping(f, node, 0, CHUNK, CHUNK, DAX_READ), 0);
	assert_memory_equal(w + CHUNK, pattern, CHUNK);
	free(pattern);
}

/* A read-only export maps for reading only. */
static void test_dax_read_only(void **state)
{
	struct fixture *f = *state;
	struct error *err = NULL;
	assert_int_equal(fuse_dax_init(&f->server.dax, CHUNK, &err), 0);
	uint64_t node = lookup(f, FUSE_ROOT_ID, "hello.txt", 0).nodeid;
	assert_int_equal(setupmapping(f, node, 0, 0, CHUNK, DAX_WRITE), -EROFS);
	assert_int_equal(setupmapping(f, node, 0, 0, CHUNK, DAX_READ), 0);
	assert_memory_equal(f->server.dax.host, "hello, guest\n", 13);
	struct fuse_dax odd;
	assert_int_equal(fuse_dax_init(&odd, CHUNK + 4096, &err), -1);
	assert_non_null(strstr(err->msg, "DAX window"));
	error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookup_getattr_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_noflush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_into_guest_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_from_guest_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escaping_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_out_is_not_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_race_stays_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_write_and_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xattrs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_protocol_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_export, setup_read_only, teardown),
		cmocka_unit_test_setup_teardown(test_export_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dax_mappings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dax_repair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dax_read_only, setup_read_only, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
