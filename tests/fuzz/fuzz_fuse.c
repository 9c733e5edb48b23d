/* libFuzzer target: a hostile guest's FUSE requests against a real export
 * (vmm/virtio/fs/server.c).  The input is a list of requests, each a
 * 16-bit length and that many bytes (a FUSE header and its arguments;
 * the header's len is set to the real length half the time, so that most
 * requests get past the first check).  The export is a fresh directory
 * each time, with a file, a directory, a symlink out of it and a
 * hardlink; the server is initialized first.  Nothing may crash, leak or
 * read out of bounds (ASan, UBSan), and nothing beside the export may
 * change (fuzz_tree.h): a name, a symlink or a rename that reached out
 * would show there. */
#include "tests/fuzz/fuzz_tree.h"

#include <linux/fuse.h>
#include <stdint.h>

#include "vmm/virtio/fs/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct fuzz_tree tree;
static uint8_t request[FUSE_SERVER_MAX_REQUEST];
static uint8_t reply[FUSE_SERVER_MAX_REPLY];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_tree_init(&tree);
	return 0;
}

static void populate(const char *root)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/dir", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/dir/file", root);
	int fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0) {
		if (write(fd, "contents\n", 9) < 0)
			abort();
		close(fd);
	}
	char hard[PATH_MAX + 32];
	snprintf(hard, sizeof(hard), "%s/hard", root);
	if (link(path, hard) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/out", root);
	if (symlink("../canary", path) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/abs", root);
	if (symlink(tree.canary, path) < 0)
		abort();
}

static uint8_t data_bufs[3][FUSE_SERVER_MAX_READ];

static void init(struct fuse_server *s)
{
	struct {
		struct fuse_in_header h;
		struct fuse_init_in in;
	} msg = {
		.h = {.len = sizeof(msg), .opcode = FUSE_INIT, .unique = 1, .nodeid = 0},
		.in = {.major = FUSE_KERNEL_VERSION,
		       .minor = FUSE_KERNEL_MINOR_VERSION,
		       .max_readahead = 1u << 17},
	};
	fuse_server_handle(s, (const uint8_t *)&msg, sizeof(msg), reply, sizeof(reply));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuse_server s;
	struct error *err = NULL;
	fuzz_tree_reset(&tree);
	populate(tree.work);
	if (fuse_server_init(&s, tree.work, size > 0 && (data[0] & 0x80), &err) < 0) {
		error_release(&err);
		abort(); /* a fresh export always opens */
	}
	init(&s);
	size_t at = 1;
	for (unsigned n = 0; n < 64 && at + 2 <= size; n++) {
		size_t len = (size_t)data[at] | (size_t)data[at + 1] << 8;
		at += 2;
		if (len > size - at)
			len = size - at;
		memset(request, 0, sizeof(struct fuse_in_header));
		memcpy(request, data + at, len);
		at += len;
		struct fuse_in_header *h = (struct fuse_in_header *)request;
		if (len >= sizeof(*h) && (h->unique & 1))
			h->len = (uint32_t)len;
		/* Half the requests as the device sends them, with guest
		 * buffers for a READ's data (three, of odd sizes) and the
		 * request's own (cut in three), of a WRITE only its head
		 * copied; half as plain requests. */
		if (h->unique & 2) {
			struct iovec guest[] = {{data_bufs[0], 100},
						{data_bufs[1], 4000},
						{data_bufs[2], sizeof(data_bufs[2])}};
			size_t cut1 = len < 30 ? len : 30, cut2 = len < 700 ? len : 700;
			struct iovec parts[] = {{request, cut1},
						{request + cut1, cut2 - cut1},
						{request + cut2, len - cut2}};
			struct fuse_guest_bufs bufs = {.request = parts,
						       .request_n = 3,
						       .request_len = len,
						       .reply = guest,
						       .reply_n = 3};
			size_t copied = len;
			if (len >= FUSE_SERVER_WRITE_HEAD && h->opcode == FUSE_WRITE)
				copied = FUSE_SERVER_WRITE_HEAD;
			size_t n = fuse_server_handle_to(&s, request, copied, reply, sizeof(reply),
							 &bufs);
			if (bufs.placed > 100 + 4000 + sizeof(data_bufs[2]) ||
			    (bufs.placed > 0 && n != sizeof(struct fuse_out_header) + bufs.placed))
				abort(); /* more placed than the buffers hold, or a wrong length */
		} else {
			fuse_server_handle(&s, request, len, reply, sizeof(reply));
		}
	}
	fuse_server_release(&s);
	fuzz_tree_check(&tree);
	return 0;
}
