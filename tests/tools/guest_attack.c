/* guest_attack: a hostile guest, from inside a container given every
 * capability (tests/vmhost/containers.sh).  It takes a virtio device away
 * from the guest kernel (unbinds its driver), maps the device's registers
 * through /dev/mem and drives its queue itself from pinned pages whose
 * guest-physical addresses /proc/self/pagemap gives, so that it can send
 * what no driver would: looping and out-of-memory descriptor chains, huge
 * lengths, bad indirect tables, ring indexes past the queue, FUSE requests
 * with escaping names and lying lengths.  It also floods vsock.  Each mode
 * checks first that a well-formed request is served ("sanity: ok"), then
 * attacks, then checks the device still serves ("after: ok"): the host's
 * side checks that the VMM lived through it and that nothing outside the
 * exports changed.  Static: it runs in the busybox rootfs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <linux/vm_sockets.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define QSIZE 8
#define PAGE  4096

struct dev {
	volatile uint8_t *regs;
	/* Pinned pages: descriptors, avail ring, used ring, then buffers. */
	uint8_t *mem;
	uint64_t phys[16];
	uint16_t avail_idx, used_seen;
};

static void die(const char *what)
{
	fprintf(stderr, "guest_attack: %s: %s\n", what, strerror(errno));
	exit(2);
}

static uint32_t rd(struct dev *d, unsigned off)
{
	return *(volatile uint32_t *)(d->regs + off);
}

static void wr(struct dev *d, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(d->regs + off) = v;
}

static uint64_t phys_of(void *p)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t e = 0;
	if (fd < 0 || pread(fd, &e, 8, (off_t)((uintptr_t)p / PAGE * 8)) != 8)
		die("pagemap");
	close(fd);
	if (!(e & (1ull << 63)) || (e & ((1ull << 55) - 1)) == 0)
		die("pagemap: no frame (CAP_SYS_ADMIN?)");
	return (e & ((1ull << 55) - 1)) * PAGE;
}

static unsigned read_hex_file(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0)
		return 0;
	close(fd);
	return (unsigned)strtoul(buf, NULL, 16);
}

/* Where platform device `name`'s registers are, from /proc/iomem. */
static unsigned long long iomem_base(const char *name)
{
	FILE *f = fopen("/proc/iomem", "r");
	char line[256];
	unsigned long long base = 0;
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, name) != NULL)
			base = strtoull(line + strspn(line, " "), NULL, 16);
	if (f != NULL)
		fclose(f);
	return base;
}

/* The platform device (LNRO0005:NN) of virtio id `id`, unbound from its
 * driver, its registers mapped.  With `tag`, a virtio-fs device: the
 * guest cannot tell the tags apart before it has the registers, so it
 * takes the last one (the VMM adds `rootfs` first, then `mounts`) and
 * checks the tag after. */
static void take_device(struct dev *d, unsigned id, const char *tag)
{
	DIR *dir = opendir("/sys/bus/platform/devices");
	struct dirent *e;
	char path[512], name[256] = "";
	unsigned long long base = 0;
	while (dir != NULL && (e = readdir(dir)) != NULL) {
		if (strncmp(e->d_name, "LNRO0005", 8) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s", e->d_name);
		DIR *sub = opendir(path);
		struct dirent *v;
		while (sub != NULL && (v = readdir(sub)) != NULL) {
			char dev_path[800];
			snprintf(dev_path, sizeof(dev_path), "%s/%s/device", path, v->d_name);
			unsigned long long b = iomem_base(e->d_name);
			if (strncmp(v->d_name, "virtio", 6) != 0 || read_hex_file(dev_path) != id ||
			    b <= base)
				continue;
			base = b;
			snprintf(name, sizeof(name), "%s", e->d_name);
		}
		if (sub != NULL)
			closedir(sub);
	}
	if (dir != NULL)
		closedir(dir);
	if (name[0] == '\0' || base == 0) {
		fprintf(stderr, "guest_attack: no virtio device %u\n", id);
		exit(2);
	}
	int fd = open("/sys/bus/platform/drivers/virtio-mmio/unbind", O_WRONLY);
	if (fd < 0 || write(fd, name, strlen(name)) < 0)
		die("unbind the driver");
	close(fd);
	mknod("/dev/attack-mem", S_IFCHR | 0600, makedev(1, 1));
	fd = open("/dev/attack-mem", O_RDWR | O_SYNC);
	if (fd < 0)
		die("/dev/mem");
	void *regs = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)base);
	if (regs == MAP_FAILED)
		die("map the registers");
	d->regs = regs;
	if (rd(d, VIRTIO_MMIO_MAGIC_VALUE) != 0x74726976 || rd(d, VIRTIO_MMIO_DEVICE_ID) != id)
		die("not the device");
	char config_tag[37] = "";
	for (int i = 0; tag != NULL && i < 36; i++)
		config_tag[i] = (char)d->regs[VIRTIO_MMIO_CONFIG + i];
	if (tag != NULL && strcmp(config_tag, tag) != 0) {
		fprintf(stderr, "guest_attack: the last virtio-fs device is `%s`, not `%s`\n",
			config_tag, tag);
		exit(2);
	}
	d->mem = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
	if (d->mem == MAP_FAILED)
		die("pinned pages");
	for (int i = 0; i < 16; i++)
		d->phys[i] = phys_of(d->mem + i * PAGE);
	printf("took device %u (%s at %#llx)\n", id, name, base);
}

static struct vring_desc *desc(struct dev *d)
{
	return (struct vring_desc *)d->mem;
}

static uint16_t *avail(struct dev *d)
{
	return (uint16_t *)(d->mem + PAGE); /* flags, idx, ring[] */
}

static volatile uint16_t *used_idx(struct dev *d)
{
	return (volatile uint16_t *)(d->mem + 2 * PAGE + 2);
}

/* A buffer page's guest-physical address (pages 3..15). */
static uint64_t buf(struct dev *d, int page)
{
	return d->phys[3 + page];
}

static void set_queue(struct dev *d, unsigned q)
{
	memset(d->mem, 0, 3 * PAGE);
	d->avail_idx = d->used_seen = 0;
	wr(d, VIRTIO_MMIO_QUEUE_SEL, q);
	wr(d, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)d->phys[0]);
	wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(d->phys[0] >> 32));
	wr(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)d->phys[1]);
	wr(d, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(d->phys[1] >> 32));
	wr(d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)d->phys[2]);
	wr(d, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(d->phys[2] >> 32));
	wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* Reset, features (VERSION_1 only), queues 0..nq-1's last one ours. */
static void start_device(struct dev *d, unsigned queue)
{
	wr(d, VIRTIO_MMIO_STATUS, 0);
	wr(d, VIRTIO_MMIO_STATUS, 1 | 2); /* ACKNOWLEDGE | DRIVER */
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VIRTIO_F_VERSION_1 (bit 32) */
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	wr(d, VIRTIO_MMIO_STATUS, 1 | 2 | 8); /* FEATURES_OK */
	set_queue(d, queue);
	wr(d, VIRTIO_MMIO_STATUS, 1 | 2 | 8 | 4); /* DRIVER_OK */
}

/* Makes `head` available, notifies `queue`, and waits up to 2 s for the
 * device to use a chain: its length, or -1 when none came. */
static long kick(struct dev *d, unsigned queue, uint16_t head)
{
	uint16_t *a = avail(d);
	a[2 + d->avail_idx % QSIZE] = head;
	__atomic_store_n(&a[1], ++d->avail_idx, __ATOMIC_RELEASE);
	wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, queue);
	for (int i = 0; i < 2000; i++) {
		if (*used_idx(d) != d->used_seen) {
			struct vring_used_elem *e =
				(struct vring_used_elem *)(d->mem + 2 * PAGE + 4) +
				d->used_seen % QSIZE;
			d->used_seen++;
			wr(d, VIRTIO_MMIO_INTERRUPT_ACK, rd(d, VIRTIO_MMIO_INTERRUPT_STATUS));
			return (long)e->len;
		}
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	return -1;
}

/* ---- virtio-rng: malformed chains ---- */

static long rng_sane(struct dev *d)
{
	desc(d)[0] = (struct vring_desc){buf(d, 0), 64, VRING_DESC_F_WRITE, 0};
	return kick(d, 0, 0);
}

static int attack_rng(void)
{
	struct dev d = {0};
	take_device(&d, 4, NULL);
	start_device(&d, 0);
	long n = rng_sane(&d);
	printf("rng sanity: %s (%ld bytes)\n", n > 0 ? "ok" : "failed", n);
	if (n <= 0)
		return 1;
	struct vring_desc *t = desc(&d);
	/* A chain that loops on itself, and one that loops through two. */
	t[0] = (struct vring_desc){buf(&d, 0), 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0};
	kick(&d, 0, 0);
	t[0] = (struct vring_desc){buf(&d, 0), 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1};
	t[1] = (struct vring_desc){buf(&d, 1), 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0};
	kick(&d, 0, 0);
	/* Outside guest memory; wrapping around the address space; huge. */
	t[0] = (struct vring_desc){1ull << 40, 64, VRING_DESC_F_WRITE, 0};
	kick(&d, 0, 0);
	t[0] = (struct vring_desc){~0ull - 8, 64, VRING_DESC_F_WRITE, 0};
	kick(&d, 0, 0);
	t[0] = (struct vring_desc){buf(&d, 0), 0xffffffffu, VRING_DESC_F_WRITE, 0};
	kick(&d, 0, 0);
	/* next past the table; a head past the table. */
	t[0] = (struct vring_desc){buf(&d, 0), 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 999};
	kick(&d, 0, 0);
	kick(&d, 0, 4242);
	/* Indirect tables: outside memory, a length that is not a table's,
	 * one that points at itself, one nested in another. */
	t[0] = (struct vring_desc){1ull << 40, 16 * 4, VRING_DESC_F_INDIRECT, 0};
	kick(&d, 0, 0);
	t[0] = (struct vring_desc){buf(&d, 2), 17, VRING_DESC_F_INDIRECT, 0};
	kick(&d, 0, 0);
	struct vring_desc *ind = (struct vring_desc *)(d.mem + 5 * PAGE);
	ind[0] = (struct vring_desc){buf(&d, 2), 32, VRING_DESC_F_INDIRECT, 0};
	ind[1] = (struct vring_desc){buf(&d, 0), 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1};
	t[0] = (struct vring_desc){buf(&d, 2), 32, VRING_DESC_F_INDIRECT, 0};
	kick(&d, 0, 0);
	/* The avail index leaping far past the queue's size. */
	avail(&d)[1] = (uint16_t)(d.avail_idx + 30000);
	wr(&d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	/* Queue addresses outside memory, a queue size that is no power of
	 * two, a queue index past the device's, garbage in every register. */
	wr(&d, VIRTIO_MMIO_STATUS, 0);
	wr(&d, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(&d, VIRTIO_MMIO_QUEUE_NUM, 7);
	wr(&d, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0xffffffffu);
	wr(&d, VIRTIO_MMIO_QUEUE_READY, 1);
	wr(&d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	wr(&d, VIRTIO_MMIO_QUEUE_SEL, 77);
	wr(&d, VIRTIO_MMIO_QUEUE_READY, 1);
	wr(&d, VIRTIO_MMIO_QUEUE_NOTIFY, 77);
	srand(7);
	for (unsigned off = 0x10; off < 0x100; off += 4)
		if (off != VIRTIO_MMIO_STATUS)
			wr(&d, off, (uint32_t)rand());
	/* A fresh start: the device still serves. */
	start_device(&d, 0);
	n = rng_sane(&d);
	printf("rng after: %s (%ld bytes)\n", n > 0 ? "ok" : "failed", n);
	return n > 0 ? 0 : 1;
}

/* ---- virtio-fs: raw FUSE requests on the `mounts` share ---- */

static uint64_t unique = 2;

/* One request (header + args), the reply's header and error back. */
static int fuse_call(struct dev *d, uint32_t opcode, uint64_t node, const void *args,
		     size_t args_len, uint32_t lie_len, uint8_t **reply)
{
	uint8_t *req = d->mem + 3 * PAGE, *rep = d->mem + 6 * PAGE;
	struct fuse_in_header h = {.len = (uint32_t)(sizeof(h) + args_len),
				   .opcode = opcode,
				   .unique = unique += 2,
				   .nodeid = node};
	if (lie_len != 0)
		h.len = lie_len;
	memcpy(req, &h, sizeof(h));
	memcpy(req + sizeof(h), args, args_len);
	memset(rep, 0, PAGE);
	struct vring_desc *t = desc(d);
	t[0] = (struct vring_desc){buf(d, 0), (uint32_t)(sizeof(h) + args_len), VRING_DESC_F_NEXT,
				   1};
	t[1] = (struct vring_desc){buf(d, 3), PAGE, VRING_DESC_F_WRITE, 0};
	if (kick(d, 1, 0) < (long)sizeof(struct fuse_out_header))
		return -10000;
	if (reply != NULL)
		*reply = rep + sizeof(struct fuse_out_header);
	return ((struct fuse_out_header *)rep)->error;
}

static int lookup(struct dev *d, uint64_t parent, const char *name, uint64_t *node)
{
	uint8_t *r;
	int e = fuse_call(d, FUSE_LOOKUP, parent, name, strlen(name) + 1, 0, &r);
	if (e == 0 && node != NULL)
		*node = ((struct fuse_entry_out *)r)->nodeid;
	return e;
}

/* `entry`: the share's name for the bind mount (its index in
 * config.json's mounts). */
static int attack_fs(const char *entry_name)
{
	struct dev d = {0};
	take_device(&d, 26, "mounts");
	start_device(&d, 1);
	struct fuse_init_in init = {.major = 7, .minor = 31, .max_readahead = 65536};
	int e = fuse_call(&d, FUSE_INIT, 0, &init, sizeof(init), 0, NULL);
	uint64_t entry, file;
	/* The share's entry is the bind mount's source, with `inside`. */
	int sane = e == 0 && lookup(&d, FUSE_ROOT_ID, entry_name, &entry) == 0 &&
		   lookup(&d, entry, "inside", &file) == 0;
	printf("fs sanity: %s (init %d)\n", sane ? "ok" : "failed", e);
	if (!sane)
		return 1;
	int escaped = 0;
	static const char *const names[] = {"..", ".", "../canary", "/etc", "0/../..", ""};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		escaped += lookup(&d, entry, names[i], NULL) == 0;
	/* A name without its NUL; a header whose length lies both ways. */
	escaped += fuse_call(&d, FUSE_LOOKUP, entry, "inside", 6, 0, NULL) == 0;
	fuse_call(&d, FUSE_LOOKUP, entry, "inside", 7, 0xfffffff0u, NULL);
	fuse_call(&d, FUSE_LOOKUP, entry, "inside", 7, 8, NULL);
	/* Making things outside: through `..`, a slash, a symlink out that is
	 * then used as a directory, a rename and a link out. */
	struct {
		struct fuse_create_in in;
		char name[16];
	} create = {{.flags = O_RDWR | O_CREAT, .mode = 0100644}, "../escape"};
	escaped += fuse_call(&d, FUSE_CREATE, entry, &create, sizeof(create), 0, NULL) == 0;
	struct {
		struct fuse_mkdir_in in;
		char name[16];
	} mk = {{.mode = 040755}, "a/../../b"};
	escaped += fuse_call(&d, FUSE_MKDIR, entry, &mk, sizeof(mk), 0, NULL) == 0;
	char sym[] = "up\0../../../..";
	uint64_t up;
	fuse_call(&d, FUSE_SYMLINK, entry, sym, sizeof(sym), 0, NULL);
	if (lookup(&d, entry, "up", &up) == 0)
		escaped += lookup(&d, up, "canary", NULL) == 0;
	struct {
		struct fuse_rename2_in in;
		char names[24];
	} ren = {{.newdir = FUSE_ROOT_ID}, "inside\0../moved"};
	escaped += fuse_call(&d, FUSE_RENAME2, entry, &ren, sizeof(ren), 0, NULL) == 0;
	struct {
		struct fuse_link_in in;
		char name[16];
	} ln = {{.oldnodeid = file}, "../linked"};
	escaped += fuse_call(&d, FUSE_LINK, entry, &ln, sizeof(ln), 0, NULL) == 0;
	/* Huge sizes: a read of 4 GiB, a write claiming 1 GiB, xattrs. */
	struct fuse_open_in oi = {.flags = O_RDWR};
	uint8_t *r;
	if (fuse_call(&d, FUSE_OPEN, file, &oi, sizeof(oi), 0, &r) == 0) {
		uint64_t fh = ((struct fuse_open_out *)r)->fh;
		struct fuse_read_in rd_in = {.fh = fh, .size = 0xffffffffu};
		fuse_call(&d, FUSE_READ, file, &rd_in, sizeof(rd_in), 0, NULL);
		struct fuse_write_in w = {.fh = fh, .size = 1u << 30};
		fuse_call(&d, FUSE_WRITE, file, &w, sizeof(w), 0, NULL);
		struct fuse_write_in w2 = {.fh = fh, .offset = ~0ull - 2, .size = 4};
		fuse_call(&d, FUSE_WRITE, file, &w2, sizeof(w2), 0, NULL);
	}
	struct fuse_getxattr_in gx = {.size = 0xffffffffu};
	fuse_call(&d, FUSE_LISTXATTR, file, &gx, sizeof(gx), 0, NULL);
	/* Nodes that do not exist, or were never looked up. */
	fuse_call(&d, FUSE_GETATTR, 0xdeadbeef, NULL, 0, 0, NULL);
	fuse_call(&d, FUSE_GETATTR, (1ull << 32) | 2, NULL, 0, 0, NULL);
	/* A request with no reply buffer, and one whose reply buffer is
	 * read-only. */
	struct vring_desc *t = desc(&d);
	t[0] = (struct vring_desc){buf(&d, 0), sizeof(struct fuse_in_header) + 7, 0, 0};
	kick(&d, 1, 0);
	t[0] = (struct vring_desc){buf(&d, 0), sizeof(struct fuse_in_header) + 7, VRING_DESC_F_NEXT,
				   1};
	t[1] = (struct vring_desc){buf(&d, 3), 16, 0, 0};
	kick(&d, 1, 0);
	uint64_t again;
	int after = lookup(&d, entry, "inside", &again) == 0 ||
		    lookup(&d, entry, "moved", &again) == 0; /* if the rename stayed inside */
	printf("fs escapes: %d\n", escaped);
	printf("fs after: %s\n", after ? "ok" : "failed");
	return after && escaped == 0 ? 0 : 1;
}

/* ---- vsock: connections to ports nobody listens on, then a flood to
 * one whose reader never reads ---- */

static int attack_vsock(unsigned connects, unsigned port, unsigned mib)
{
	struct sockaddr_vm a = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_HOST};
	unsigned refused = 0;
	for (unsigned i = 0; i < connects; i++) {
		int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
		if (fd < 0)
			die("vsock socket");
		a.svm_port = 40000 + i % 1000;
		refused += connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0;
		close(fd);
	}
	printf("connects: %u refused of %u\n", refused, connects);
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	a.svm_port = port;
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect to the flood's port");
	static char chunk[65536];
	memset(chunk, 'f', sizeof(chunk));
	/* Sends until the peer's credit stops us (a send that would block
	 * for 5 s), or mib MiB went. */
	struct timeval limit = {5, 0};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
	unsigned long long sent = 0;
	while (sent < (unsigned long long)mib << 20) {
		ssize_t n = send(fd, chunk, sizeof(chunk), 0);
		if (n <= 0)
			break;
		sent += (unsigned long long)n;
	}
	printf("flood: %llu KiB sent before the host's credit ran out\n", sent >> 10);
	close(fd);
	printf("vsock after: ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "rng") == 0)
		return attack_rng();
	if (argc == 3 && strcmp(argv[1], "fs") == 0)
		return attack_fs(argv[2]);
	if (argc == 5 && strcmp(argv[1], "vsock") == 0)
		return attack_vsock((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]),
				    (unsigned)atoi(argv[4]));
	fprintf(stderr, "usage: guest_attack rng | fs ENTRY | vsock CONNECTS PORT MIB\n");
	return 2;
}
