/* The pool of booted VMs (runtime/pool.h), without VMs: the claim on the
 * wire (and hostile claims), which configs may take a pooled VM, and the
 * claimer's side against an entry whose "VMM" is this test: the rename
 * that decides between claimers, the stdio passed, a dead entry removed,
 * the exit status read. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/fs.h"
#include "common/proc.h"
#include "common/unix_socket.h"
#include "agent/protocol.h"
#include "runtime/pool.h"

#define KEY "kernel /k\ninitrd /i\nmemory 268435456\nvcpus 1\n"

static const char config_text[] = "{\"ociVersion\": \"1.0.2\", \"process\": {}}";

static struct pool_claim sample(void)
{
	return (struct pool_claim){.id = "c1",
				   .state_dir = "/run/vrun/c1",
				   .bundle = "/b",
				   .cgroup = "/vrun/c1",
				   .console_socket = "/tmp/console.sock",
				   .log_path = NULL,
				   .log_format = 1,
				   .debug = true,
				   .config_text = config_text,
				   .config_len = sizeof(config_text) - 1,
				   .stdio = {0, 1, 2}};
}

static char *encoded(const struct pool_claim *c, size_t *len)
{
	char *buf;
	assert_int_equal(pool_claim_encode(c, &buf, len), 0);
	return buf;
}

static void test_claim_round_trip(void **state)
{
	(void)state;
	struct pool_claim in = sample(), out;
	size_t len;
	struct error *err = NULL;
	char *buf = encoded(&in, &len);
	assert_int_equal(pool_claim_decode(buf, len, &out, &err), 0);
	assert_string_equal(out.id, "c1");
	assert_string_equal(out.state_dir, "/run/vrun/c1");
	assert_string_equal(out.bundle, "/b");
	assert_string_equal(out.cgroup, "/vrun/c1");
	assert_string_equal(out.console_socket, "/tmp/console.sock");
	assert_null(out.log_path);
	assert_int_equal(out.log_format, 1);
	assert_true(out.debug);
	assert_int_equal(out.config_len, sizeof(config_text) - 1);
	assert_memory_equal(out.config_text, config_text, out.config_len);
	free(buf);
}

/* Every truncation, and every byte of the header and strings changed,
 * fails alone or decodes to strings inside the buffer. */
static void test_claim_hostile(void **state)
{
	(void)state;
	struct pool_claim in = sample(), out;
	size_t len;
	struct error *err = NULL;
	char *buf = encoded(&in, &len);
	for (size_t cut = 0; cut < len; cut++) {
		char *copy = malloc(cut + 1);
		memcpy(copy, buf, cut);
		assert_int_equal(pool_claim_decode(copy, cut, &out, &err), -1);
		assert_int_equal(err->errnum, EPROTO);
		error_release(&err);
		free(copy);
	}
	size_t strings_end = len - in.config_len;
	for (size_t at = 0; at < strings_end; at++) {
		for (unsigned v = 0; v < 256; v += 51) {
			char *copy = malloc(len);
			memcpy(copy, buf, len);
			copy[at] = (char)v;
			if (pool_claim_decode(copy, len, &out, &err) == 0) {
				assert_true(out.id >= copy && out.id < copy + len);
				assert_true(out.config_text + out.config_len == copy + len);
				assert_true(out.state_dir[0] == '/' && out.bundle[0] == '/');
			}
			error_release(&err);
			free(copy);
		}
	}
	free(buf);
	/* A relative state dir is refused. */
	in.state_dir = "run/c1";
	buf = encoded(&in, &len);
	assert_int_equal(pool_claim_decode(buf, len, &out, &err), -1);
	error_release(&err);
	free(buf);
}

static struct oci_config with(const char *pool, const char *netns_path, bool netns)
{
	struct oci_config c = {0};
	static struct oci_strmap_entry item;
	static struct oci_linux linux_;
	static struct oci_namespace ns;
	if (pool != NULL) {
		item = (struct oci_strmap_entry){.key = (char *)POOL_ANNOTATION,
						 .value = (char *)pool};
		c.annotations = (struct oci_strmap){.items = &item, .len = 1};
	}
	if (netns) {
		ns = (struct oci_namespace){.type = (char *)"network", .path = (char *)netns_path};
		linux_ = (struct oci_linux){0};
		linux_.namespaces.items = &ns;
		linux_.namespaces.len = 1;
		c.linux_ = &linux_;
	}
	return c;
}

static void test_refusal(void **state)
{
	(void)state;
	struct oci_config c = with("true", NULL, true);
	assert_null(pool_refusal(&c, false, 0));
	assert_non_null(strstr(pool_refusal(&c, false, 2), "fds"));
	c = with(NULL, NULL, true);
	assert_non_null(strstr(pool_refusal(&c, false, 0), "not asked"));
	assert_null(pool_refusal(&c, true, 0)); /* --pool */
	c = with("yes", NULL, true);
	assert_non_null(strstr(pool_refusal(&c, false, 0), "not asked"));
	c = with("true", NULL, false);
	assert_non_null(strstr(pool_refusal(&c, false, 0), "host's network"));
	c = with("true", "/var/run/netns/x", true);
	assert_non_null(strstr(pool_refusal(&c, false, 0), "joins a network namespace"));
	/* A pooled VM has no DAX window. */
	c = with(NULL, NULL, true);
	struct oci_strmap_entry dax = {.key = (char *)ANNOTATION_VIRTIOFS_DAX,
				       .value = (char *)"true"};
	c.annotations = (struct oci_strmap){.items = &dax, .len = 1};
	assert_non_null(strstr(pool_refusal(&c, true, 0), "DAX window"));
	dax.value = (char *)"false";
	assert_null(pool_refusal(&c, true, 0));
}

struct entry {
	char root[64], dir[256], sock[300];
	int listen_fd;
};

/* <root>/.pool/0 with a key, our pid, and a claim socket we listen on. */
static void make_entry(struct entry *e, const char *key, bool listening)
{
	char path[100], text[64];
	uint64_t start;
	struct error *err = NULL;
	snprintf(e->root, sizeof(e->root), "/tmp/vrun-pool.XXXXXX");
	assert_non_null(mkdtemp(e->root));
	snprintf(path, sizeof(path), "%s/%s", e->root, POOL_DIR);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(e->dir, sizeof(e->dir), "%s/0", path);
	assert_int_equal(mkdir(e->dir, 0700), 0);
	int dirfd = open(e->dir, O_RDONLY | O_DIRECTORY);
	assert_true(proc_start_time(getpid(), &start));
	int n = snprintf(text, sizeof(text), "%d %llu", (int)getpid(), (unsigned long long)start);
	assert_int_equal(fs_write_file_atomic(dirfd, POOL_KEY_FILE, key, strlen(key), 0600, &err),
			 0);
	assert_int_equal(fs_write_file_atomic(dirfd, POOL_PID_FILE, text, (size_t)n, 0600, &err),
			 0);
	close(dirfd);
	snprintf(e->sock, sizeof(e->sock), "%s/%s", e->dir, POOL_CLAIM_SOCKET);
	e->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(unix_bind(e->listen_fd, e->sock), 0);
	if (listening)
		assert_int_equal(listen(e->listen_fd, 4), 0);
	else {
		close(e->listen_fd); /* a dead VMM's socket */
		e->listen_fd = -1;
	}
}

static void remove_entry(struct entry *e)
{
	char cmd[128];
	if (e->listen_fd >= 0)
		close(e->listen_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", e->root);
	assert_int_equal(system(cmd), 0);
}

static void test_take(void **state)
{
	(void)state;
	struct entry e;
	struct pool_claim in = sample(), got;
	struct error *err = NULL;
	int fd;
	pid_t pid;
	make_entry(&e, KEY, true);
	assert_int_equal(pool_count(e.root), 1);
	/* Another shape's claim passes it by, and leaves it. */
	assert_int_equal(pool_take(e.root, "kernel /other\n", &in, &fd, &pid, &err), 1);
	assert_int_equal(access(e.sock, F_OK), 0);
	assert_int_equal(pool_take(e.root, KEY, &in, &fd, &pid, &err), 0);
	assert_int_equal(pid, getpid());
	/* Taken: the socket renamed, so that no second claimer finds it. */
	assert_int_equal(access(e.sock, F_OK), -1);
	assert_int_equal(pool_count(e.root), 0);
	struct pool_claim again = sample();
	int fd2;
	assert_int_equal(pool_take(e.root, KEY, &again, &fd2, &pid, &err), 1);
	int conn = accept(e.listen_fd, NULL, NULL);
	assert_true(conn >= 0);
	assert_int_equal(pool_claim_receive(conn, &got, &err), 0);
	assert_string_equal(got.id, "c1");
	assert_memory_equal(got.config_text, config_text, got.config_len);
	/* Our own stdio, passed: the same open files. */
	for (int i = 0; i < 3; i++) {
		struct stat a, b;
		assert_true(got.stdio[i] > 2);
		assert_int_equal(fstat(got.stdio[i], &a), 0);
		assert_int_equal(fstat(i, &b), 0);
		assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	}
	pool_claim_release(&got);
	/* The word, then the status. */
	assert_int_equal(write(conn, "X42", 3), 3);
	close(conn);
	assert_int_equal(pool_wait_status(fd), 42);
	close(fd);
	remove_entry(&e);
}

static void test_dead_entry(void **state)
{
	(void)state;
	struct entry e;
	struct pool_claim in = sample();
	struct error *err = NULL;
	int fd;
	pid_t pid;
	make_entry(&e, KEY, false);
	assert_int_equal(pool_take(e.root, KEY, &in, &fd, &pid, &err), 1);
	assert_int_equal(access(e.dir, F_OK), -1); /* removed */
	remove_entry(&e);
	/* A pid file naming a process that is gone: status removes it. */
	make_entry(&e, KEY, true);
	int dirfd = open(e.dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(fs_write_file_atomic(dirfd, POOL_PID_FILE, "999999999 1", 11, 0600, &err),
			 0);
	close(dirfd);
	assert_int_equal(pool_count(e.root), 0);
	assert_int_equal(access(e.dir, F_OK), -1);
	remove_entry(&e);
	/* No pool at all. */
	assert_int_equal(pool_take("/nonexistent", KEY, &in, &fd, &pid, &err), 1);
	assert_int_equal(pool_count("/nonexistent"), 0);
}

static void test_status_without_word(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	assert_int_equal(pool_wait_status(sv[0]), 128 + SIGKILL);
	close(sv[0]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "X300", 4), 4);
	close(sv[1]);
	assert_int_equal(pool_wait_status(sv[0]), 128 + SIGKILL);
	close(sv[0]);
}

static void test_claim_receive_hostile(void **state)
{
	(void)state;
	int sv[2];
	struct pool_claim got;
	struct error *err = NULL;
	uint32_t len = POOL_MAX_CLAIM + 1;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], &len, sizeof(len)), (ssize_t)sizeof(len));
	assert_int_equal(pool_claim_receive(sv[0], &got, &err), -1);
	assert_int_equal(err->errnum, EPROTO);
	error_release(&err);
	pool_claim_release(&got);
	len = 100; /* then only 10 bytes and the end */
	assert_int_equal(write(sv[1], &len, sizeof(len)), (ssize_t)sizeof(len));
	assert_int_equal(write(sv[1], "0123456789", 10), 10);
	close(sv[1]);
	assert_int_equal(pool_claim_receive(sv[0], &got, &err), -1);
	error_release(&err);
	pool_claim_release(&got);
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim_round_trip),
		cmocka_unit_test(test_claim_hostile),
		cmocka_unit_test(test_refusal),
		cmocka_unit_test(test_take),
		cmocka_unit_test(test_dead_entry),
		cmocka_unit_test(test_status_without_word),
		cmocka_unit_test(test_claim_receive_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
