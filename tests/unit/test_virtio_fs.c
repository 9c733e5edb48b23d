/* The virtio-fs device with a simulated guest driver: FUSE requests in
 * descriptor chains laid out as Linux lays them out (the request readable,
 * then the reply header and the data pages writable, each its own
 * descriptor), a READ's data landing straight in the data descriptors, a
 * WRITE's taken from its own, a reply header split across descriptors,
 * and all of it with the VMM's lockdown armed. */
#include <fcntl.h>
#include <linux/fuse.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/sim_driver.h"
#include "vmm/lockdown.h"
#include "vmm/virtio/fs/device.h"

#define RAM	      (8u << 20)
#define REQUEST_GPA   0x100000ull
#define REPLY_GPA     0x200000ull /* writable buffers from here, 1 MiB apart at most */
#define FILE_SIZE     (300u << 10)
#define REQUEST_QUEUE 1

struct fixture {
	char dir[64];
	struct sim_driver drv;
	struct guest_memory mem;
	struct virtio_mmio t;
	struct virtio_fs fs;
	uint8_t *content;
	uint16_t next;
	uint64_t unique;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct error *err = NULL;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vrun-virtio-fs.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->content = malloc(FILE_SIZE);
	for (size_t i = 0; i < FILE_SIZE; i++)
		f->content[i] = (uint8_t)(i * 13 + i / 1000);
	char path[128];
	snprintf(path, sizeof(path), "%s/data", f->dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(write(fd, f->content, FILE_SIZE), (ssize_t)FILE_SIZE);
	close(fd);
	f->drv.ram = calloc(1, RAM);
	guest_memory_wrap(&f->mem, f->drv.ram, RAM);
	if (virtio_fs_init(&f->fs, "test", f->dir, false, 0, &err) < 0)
		fail_msg("%s", err->msg);
	virtio_mmio_init(&f->t, &virtio_fs_ops, &f->fs, &f->mem, 0xd0000000, 5, sim_irq, NULL);
	f->t.irq_fd = -1;
	for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		f->t.notify[q].fd = -1;
	f->drv.d = virtio_mmio_bus_device(&f->t);
	assert_int_equal(virtio_fs_start(&f->fs, &f->t, &err), 0);
	sim_wr(&f->drv, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	sim_start(&f->drv, sim_rd(&f->drv, VIRTIO_MMIO_DEVICE_FEATURES), 2);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	virtio_fs_destroy(&f->fs);
	virtio_mmio_destroy(&f->t);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f->drv.ram);
	free(f->content);
	free(f);
	return 0;
}

/* Sends a request (header made here, then `args`) from REQUEST_GPA in
 * readable descriptors of the given lengths (NULL: one for all of it),
 * with writable descriptors of the given lengths (0 ends either list)
 * back to back from REPLY_GPA; returns the length the device used. */
static uint32_t request_split(struct fixture *f, uint32_t opcode, uint64_t nodeid, const void *args,
			      size_t args_len, const uint32_t *request_lens,
			      const uint32_t *reply_lens)
{
	struct fuse_in_header h = {.len = (uint32_t)(sizeof(h) + args_len),
				   .opcode = opcode,
				   .unique = ++f->unique,
				   .nodeid = nodeid};
	memcpy(f->drv.ram + REQUEST_GPA, &h, sizeof(h));
	memcpy(f->drv.ram + REQUEST_GPA + sizeof(h), args, args_len);
	memset(f->drv.ram + REPLY_GPA, 0xee, 2u << 20);
	const uint32_t whole[] = {h.len, 0};
	if (request_lens == NULL)
		request_lens = whole;
	/* Descriptor i's next is i + 1. */
	uint16_t head = 0, i = 0;
	uint64_t at = REQUEST_GPA;
	for (const uint32_t *len = request_lens; *len != 0; len++) {
		sim_set_desc_next(&f->drv, REQUEST_QUEUE, i, at, *len, VRING_DESC_F_NEXT,
				  (uint16_t)(i + 1));
		at += *len;
		i++;
	}
	i--;
	at = REPLY_GPA;
	for (const uint32_t *len = reply_lens; *len != 0; len++) {
		uint16_t flags = VRING_DESC_F_WRITE | (len[1] != 0 ? VRING_DESC_F_NEXT : 0);
		i++;
		sim_set_desc_next(&f->drv, REQUEST_QUEUE, i, at, *len, flags, (uint16_t)(i + 1));
		at += *len;
	}
	sim_make_available(&f->drv, REQUEST_QUEUE, head);
	sim_wr(&f->drv, VIRTIO_MMIO_QUEUE_NOTIFY, REQUEST_QUEUE);
	f->next++;
	for (int tries = 0; *sim_used_idx(&f->drv, REQUEST_QUEUE) != f->next; tries++) {
		assert_true(tries < 3000);
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	struct vring_used_elem e = sim_used_elem(&f->drv, REQUEST_QUEUE, (uint16_t)(f->next - 1));
	assert_int_equal(e.id, head);
	return e.len;
}

static uint32_t request(struct fixture *f, uint32_t opcode, uint64_t nodeid, const void *args,
			size_t args_len, const uint32_t *reply_lens)
{
	return request_split(f, opcode, nodeid, args, args_len, NULL, reply_lens);
}

/* The reply header, from the first writable bytes however split. */
static struct fuse_out_header reply_header(struct fixture *f)
{
	struct fuse_out_header oh;
	memcpy(&oh, f->drv.ram + REPLY_GPA, sizeof(oh));
	assert_int_equal(oh.unique, f->unique);
	return oh;
}

static uint64_t open_data(struct fixture *f, int flags)
{
	static const uint32_t small[] = {16, 4096, 0};
	struct fuse_init_in init = {.major = 7, .minor = 38, .max_readahead = 1u << 20};
	request(f, FUSE_INIT, 0, &init, sizeof(init), small);
	assert_int_equal(reply_header(f).error, 0);
	request(f, FUSE_LOOKUP, FUSE_ROOT_ID, "data", 5, small);
	assert_int_equal(reply_header(f).error, 0);
	struct fuse_entry_out e;
	memcpy(&e, f->drv.ram + REPLY_GPA + 16, sizeof(e));
	struct fuse_open_in open_in = {.flags = (uint32_t)flags};
	request(f, FUSE_OPEN, e.nodeid, &open_in, sizeof(open_in), small);
	assert_int_equal(reply_header(f).error, 0);
	struct fuse_open_out o;
	memcpy(&o, f->drv.ram + REPLY_GPA + 16, sizeof(o));
	return (uint64_t)e.nodeid << 32 | o.fh;
}

static void test_read_into_data_descriptors(void **state)
{
	struct fixture *f = *state;
	uint64_t ids = open_data(f, O_RDONLY);
	struct fuse_read_in rd = {.fh = ids & 0xffffffff, .offset = 100, .size = 200000};
	/* As Linux sends it: the header alone, then the pages. */
	static const uint32_t pages[] = {16, 4096, 262144, 0};
	uint32_t used = request(f, FUSE_READ, ids >> 32, &rd, sizeof(rd), pages);
	struct fuse_out_header oh = reply_header(f);
	assert_int_equal(oh.error, 0);
	assert_int_equal(oh.len, 16 + 200000);
	assert_int_equal(used, 16 + 200000);
	assert_memory_equal(f->drv.ram + REPLY_GPA + 16, f->content + 100, 200000);
	assert_int_equal(f->drv.ram[REPLY_GPA + 16 + 200000], 0xee); /* nothing past it */

	/* The header split over two descriptors: the data starts in the
	 * second, after the header's last 6 bytes. */
	static const uint32_t split[] = {10, 4096, 262144, 0};
	rd.offset = 5000;
	rd.size = 8192;
	used = request(f, FUSE_READ, ids >> 32, &rd, sizeof(rd), split);
	oh = reply_header(f);
	assert_int_equal(oh.error, 0);
	assert_int_equal(used, 16 + 8192);
	assert_memory_equal(f->drv.ram + REPLY_GPA + 16, f->content + 5000, 8192);

	/* More than the chain holds: what it holds. */
	static const uint32_t little[] = {16, 1000, 0};
	rd.offset = 0;
	rd.size = 65536;
	used = request(f, FUSE_READ, ids >> 32, &rd, sizeof(rd), little);
	assert_int_equal(used, 16 + 1000);
	assert_memory_equal(f->drv.ram + REPLY_GPA + 16, f->content, 1000);
}

/* A WRITE as Linux sends it: its headers in one readable descriptor, the
 * data in others (pages); the device copies only the headers and the
 * data goes to the file from the guest's buffers.  A READ after it (a
 * request copied whole) gets the new bytes back. */
static void test_write_from_data_descriptors(void **state)
{
	struct fixture *f = *state;
	uint64_t ids = open_data(f, O_RDWR);
	enum { AT = 1000, SIZE = 200000 };
	struct {
		struct fuse_write_in w;
		uint8_t data[SIZE];
	} *wr = calloc(1, sizeof(*wr));
	wr->w = (struct fuse_write_in){.fh = ids & 0xffffffff, .offset = AT, .size = SIZE};
	for (size_t i = 0; i < SIZE; i++)
		wr->data[i] = (uint8_t)(i * 7 + 3);
	static const uint32_t pages[] = {sizeof(struct fuse_in_header) +
						 sizeof(struct fuse_write_in),
					 4096, 131072, SIZE - 4096 - 131072, 0};
	static const uint32_t out[] = {16, sizeof(struct fuse_write_out), 0};
	uint32_t used = request_split(f, FUSE_WRITE, ids >> 32, wr, sizeof(*wr), pages, out);
	struct fuse_out_header oh = reply_header(f);
	assert_int_equal(oh.error, 0);
	assert_int_equal(used, 16 + sizeof(struct fuse_write_out));
	struct fuse_write_out wo;
	memcpy(&wo, f->drv.ram + REPLY_GPA + 16, sizeof(wo));
	assert_int_equal(wo.size, SIZE);

	char path[128];
	snprintf(path, sizeof(path), "%s/data", f->dir);
	uint8_t *file = malloc(FILE_SIZE);
	int fd = open(path, O_RDONLY);
	assert_int_equal(pread(fd, file, FILE_SIZE, 0), (ssize_t)FILE_SIZE);
	close(fd);
	assert_memory_equal(file, f->content, AT);
	assert_memory_equal(file + AT, wr->data, SIZE);
	assert_memory_equal(file + AT + SIZE, f->content + AT + SIZE, FILE_SIZE - AT - SIZE);

	struct fuse_read_in rd = {.fh = ids & 0xffffffff, .offset = AT + 4000, .size = 8192};
	static const uint32_t back[] = {16, 8192, 0};
	used = request(f, FUSE_READ, ids >> 32, &rd, sizeof(rd), back);
	assert_int_equal(reply_header(f).error, 0);
	assert_int_equal(used, 16 + 8192);
	assert_memory_equal(f->drv.ram + REPLY_GPA + 16, wr->data + 4000, 8192);
	free(file);
	free(wr);
}

static char self_path[4096];

/* The same READs and WRITE with the VMM's lockdown armed (vmm/lockdown.h:
 * the worker's seccomp filter kills the process on a call off its list),
 * in a child: preadv and pwritev, the zero-copy READ's and WRITE's calls,
 * were each missing from that list once. */
static void test_reads_writes_under_lockdown(void **state)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(self_path, self_path, "--locked", (char *)NULL);
		_exit(127);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("the locked-down child was killed by signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_into_data_descriptors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_from_data_descriptors, setup, teardown),
		cmocka_unit_test(test_reads_writes_under_lockdown),
	};
	const struct CMUnitTest locked[] = {
		cmocka_unit_test_setup_teardown(test_read_into_data_descriptors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_from_data_descriptors, setup, teardown),
	};
	if (argc == 2 && strcmp(argv[1], "--locked") == 0) {
		struct error *err = NULL;
		if (lockdown_arm("kill", &err) < 0) {
			fprintf(stderr, "lockdown: %s\n", err->msg);
			return 3;
		}
		return cmocka_run_group_tests(locked, NULL, NULL) > 0 ? 1 : 0;
	}
	if (realpath(argv[0], self_path) == NULL)
		return 2;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
