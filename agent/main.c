/* vrun-agent: PID 1 of the guest, a static program embedded in vrun.  It
 * mounts /proc, /sys and /dev, loads the kernel modules the host put in
 * /modules (in the order of /modules/order), connects to the VMM over
 * vsock and serves it (agent/serve.c); the virtio-fs shares are mounted
 * when the container is created, for a VM booted before its container
 * was known (a pool's, runtime/pool.h) has them exported only then.  In probe
 * mode (`vrun.probe` on the kernel command line) it instead reports how
 * long the guest took to reach init and which virtio devices bound to a
 * driver, then reboots, which ends the microVM.  Reports go to the kernel
 * log, which the VMM reads from the serial console: lines start with
 * "vrun-agent: ". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <linux/vm_sockets.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/protocol.h"
#include "common/fs.h"

static int kmsg = -1;
bool agent_debug;

/* Level 3 so that `quiet` (console level 4) still shows it. */
void report(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n = snprintf(line, sizeof(line), "<3>vrun-agent: ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	if (kmsg < 0 || write(kmsg, line, (size_t)n) < 0)
		fprintf(stderr, "%s\n", line + 3);
}

/* The initramfs is the root mount, which pivot_root cannot leave: put a
 * bind mount of it over / so the container's pivot_root works. */
static void root_as_mount(void)
{
	if (mkdir("/.root", 0755) < 0 || mount("/", "/.root", NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    chdir("/.root") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0)
		report("root bind mount: %s (the container will chroot instead)", strerror(errno));
}

/* Sequential reads of a share in requests of up to SHARE_READAHEAD_KB
 * (the FUSE server's largest transfer) rather than the kernel's default
 * 128 KiB: each request is a round trip to the VMM. */
static void share_readahead(const char *target)
{
	struct stat st;
	char path[64], value[16];
	if (stat(target, &st) < 0)
		return;
	snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb", major(st.st_dev),
		 minor(st.st_dev));
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int n = snprintf(value, sizeof(value), "%u", SHARE_READAHEAD_KB);
	if (fd < 0 || write(fd, value, (size_t)n) != n)
		report("read-ahead of %s: %s", target, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* With `rootfs_dax` the rootfs share has a DAX window (the annotation
 * ANNOTATION_VIRTIOFS_DAX): the files the VMM marks (dax=inode: those it
 * can map) are read and mapped straight from the host's page cache.  If
 * that mount fails (a guest kernel without FUSE_DAX) it is mounted as the
 * other. */
void mount_shares(bool rootfs_dax)
{
	static const struct {
		const char *tag, *target;
		bool dax;
	} shares[] = {{"rootfs", AGENT_ROOTFS, true}, {"mounts", AGENT_MOUNTS, false}};
	static bool mounted;
	if (mounted)
		return;
	mounted = true;
	mkdir("/run", 0755);
	mkdir("/run/vrun", 0755);
	for (size_t i = 0; i < sizeof(shares) / sizeof(shares[0]); i++) {
		mkdir(shares[i].target, 0755);
		bool dax = shares[i].dax && rootfs_dax;
		if (dax && mount(shares[i].tag, shares[i].target, "virtiofs", 0, "dax=inode") == 0)
			continue;
		if (dax)
			report("mount the %s share with DAX: %s", shares[i].tag, strerror(errno));
		if (mount(shares[i].tag, shares[i].target, "virtiofs", 0, NULL) == 0)
			share_readahead(shares[i].target);
		else if (i == 0)
			report("mount the %s share: %s", shares[i].tag, strerror(errno));
	}
}

/* The VMM listens on host port AGENT_PORT for this connection. */
static int connect_host(void)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_HOST, .svm_port = AGENT_PORT};
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		report("connect to the host: %s", strerror(errno));
		return -1;
	}
	return fd;
}

static void mount_basics(void)
{
	static const struct {
		const char *type, *target;
	} mounts[] = {
		{"proc", "/proc"}, {"sysfs", "/sys"}, {"devtmpfs", "/dev"}, {"devpts", "/dev/pts"}};
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		mkdir(mounts[i].target, 0755);
		if (mount(mounts[i].type, mounts[i].target, mounts[i].type, 0, NULL) < 0 &&
		    errno != EBUSY)
			report("mount %s: %s", mounts[i].target, strerror(errno));
	}
}

static int load_module(const char *name)
{
	char path[300];
	snprintf(path, sizeof(path), "/modules/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int ret = (int)syscall(SYS_finit_module, fd, "", 0);
	int saved = errno;
	close(fd);
	errno = saved;
	return ret < 0 && errno != EEXIST ? -1 : 0;
}

int load_modules(const char *list)
{
	FILE *order = fopen(list, "re");
	char name[256];
	int loaded = 0;
	if (order == NULL)
		return 0;
	while (fgets(name, sizeof(name), order) != NULL) {
		name[strcspn(name, "\n")] = '\0';
		if (name[0] == '\0' || strchr(name, '/') != NULL)
			continue;
		if (load_module(name) < 0)
			report("module %s: %s", name, strerror(errno));
		else
			loaded++;
	}
	fclose(order);
	return loaded;
}

static bool cmdline_has(const char *word)
{
	char buf[4096];
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *tok = strtok(buf, " \n"); tok != NULL; tok = strtok(NULL, " \n"))
		if (strcmp(tok, word) == 0)
			return true;
	return false;
}

static void read_link_name(const char *path, char *out, size_t size)
{
	char target[512];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		snprintf(out, size, "none");
		return;
	}
	target[n] = '\0';
	const char *slash = strrchr(target, '/');
	snprintf(out, size, "%s", slash != NULL ? slash + 1 : target);
}

static void report_devices(void)
{
	DIR *dir = opendir("/sys/bus/virtio/devices");
	struct dirent *de;
	if (dir == NULL) {
		report("probe: no virtio bus");
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		char path[512], id[32] = "?", driver[512];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/device", de->d_name);
		FILE *f = fopen(path, "re");
		if (f != NULL) {
			if (fgets(id, sizeof(id), f) != NULL)
				id[strcspn(id, "\n")] = '\0';
			fclose(f);
		}
		snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/driver", de->d_name);
		read_link_name(path, driver, sizeof(driver));
		report("probe: device %s id %s driver %s", de->d_name, id, driver);
	}
	closedir(dir);
}

int main(void)
{
	struct timespec up;
	clock_gettime(CLOCK_BOOTTIME, &up);
	mount_basics();
	/* The kernel starts init without standard streams when the initramfs
	 * has no /dev/console: fill 0, 1 and 2 so no socket or pipe lands
	 * there (the container process gets its own dup'ed onto them). */
	fs_stdio_to_null();
	kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	root_as_mount();
	agent_debug = cmdline_has("vrun.debug");
	int loaded = load_modules("/modules/order");
	if (cmdline_has("vrun.probe")) {
		report("probe: init at %ld ms of guest uptime, %d modules loaded",
		       up.tv_sec * 1000 + up.tv_nsec / 1000000, loaded);
		report_devices();
		report("probe: done");
	} else {
		int listen_fd = agent_listen();
		int host = listen_fd >= 0 ? connect_host() : -1;
		if (host >= 0) {
			/* Both of the guest's uptimes: where the kernel's boot
			 * ended and where this agent's own start did (--debug). */
			struct timespec now;
			clock_gettime(CLOCK_BOOTTIME, &now);
			char hello[96];
			int n = snprintf(hello, sizeof(hello),
					 "vrun-agent: init at %ld ms, ready at %ld ms",
					 up.tv_sec * 1000 + up.tv_nsec / 1000000,
					 now.tv_sec * 1000 + now.tv_nsec / 1000000);
			agent_write_frame(host, AGENT_HELLO, hello, (size_t)n);
			agent_serve(listen_fd, host);
		}
	}
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}
