/* vrun-agent: PID 1 of the guest, a static program embedded in vrun.
 * This first cut mounts /proc, /sys and /dev, loads the kernel modules the
 * host put in /modules (in the order of /modules/order), and in probe mode
 * (`vrun.probe` on the kernel command line) reports how long the guest took
 * to reach init and which virtio devices bound to a driver, then reboots,
 * which ends the microVM.  Reports go to the kernel log, which the VMM
 * reads from the serial console: lines start with "vrun-agent: ". */
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
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int kmsg = -1;

/* Level 3 so that `quiet` (console level 4) still shows it. */
static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
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

static void mount_basics(void)
{
	static const struct {
		const char *type, *target;
	} mounts[] = {{"proc", "/proc"}, {"sysfs", "/sys"}, {"devtmpfs", "/dev"}};
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

static int load_modules(void)
{
	FILE *order = fopen("/modules/order", "re");
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
	kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	int loaded = load_modules();
	if (cmdline_has("vrun.probe")) {
		report("probe: init at %ld ms of guest uptime, %d modules loaded",
		       up.tv_sec * 1000 + up.tv_nsec / 1000000, loaded);
		report_devices();
		report("probe: done");
	} else {
		report("only probe mode exists in this build (vrun.probe)");
	}
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}
