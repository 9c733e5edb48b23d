/* `vrun check [--kernel PATH]`: can this host run vrun's microVMs?  One
 * line per check, "ok" or "problem" with what to do; then a probe VM boots
 * and reports how long it took to reach init and which virtio devices
 * bound to a driver.  Exits 0 only when everything is fine. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "rootfs/initramfs.h"
#include "rootfs/kernel.h"
#include "runtime/cli.h"
#include "runtime/guest.h"
#include "vmm/boot.h"
#include "vmm/vm.h"

#define PROBE_MEMORY  (256ull << 20)
#define PROBE_CMDLINE "console=ttyS0 reboot=k panic=-1 pci=off quiet vrun.probe"
#define AGENT_PREFIX  "vrun-agent: probe: "

static const char *const probe_modules[] = {"virtio_mmio", "virtio-rng"};

struct check {
	int problems;
	struct guest_kernel kernel;
	char *initramfs;
};

static void line(struct check *c, bool ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void line(struct check *c, bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;
	printf("%-8s %s: ", ok ? "ok" : "problem", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		c->problems++;
}

static bool check_kvm(struct check *c)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		line(c, false, "/dev/kvm",
		     "%s (load kvm_intel or kvm_amd; in a VM, enable nested "
		     "virtualization)",
		     strerror(errno));
		return false;
	}
	int version = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	if (version != KVM_API_VERSION) {
		line(c, false, "/dev/kvm", "KVM API version %d, vrun needs %d", version,
		     KVM_API_VERSION);
		return false;
	}
	line(c, true, "/dev/kvm", "present and usable (KVM API %d)", version);
	return true;
}

/* VT-x or AMD-V: any kernel boots.  Neither, with a /dev/kvm: a
 * paravirtual KVM (such as PVM) that only boots kernels built for it. */
static bool check_flavour(struct check *c)
{
	switch (guest_kvm_flavour()) {
	case GUEST_KVM_VMX:
		line(c, true, "virtualization", "Intel VT-x");
		return true;
	case GUEST_KVM_SVM:
		line(c, true, "virtualization", "AMD-V");
		return true;
	case GUEST_KVM_PARAVIRTUAL:
		line(c, false, "virtualization", "%s", GUEST_KVM_PARAVIRTUAL_HINT);
		return false;
	case GUEST_KVM_UNKNOWN:
		break;
	}
	line(c, false, "virtualization", "unknown: /proc/cpuinfo unreadable");
	return false;
}

static bool check_kernel(struct check *c, const char *configured)
{
	struct error *err = NULL;
	if (guest_kernel_find(configured, &c->kernel, &err) < 0) {
		line(c, false, "kernel", "%s", err->msg);
		error_release(&err);
		return false;
	}
	line(c, true, "kernel", "%s (Linux %s)", c->kernel.path, c->kernel.version);
	return true;
}

static bool check_modules(struct check *c)
{
	struct error *err = NULL;
	char **paths;
	size_t count;
	size_t n = sizeof(probe_modules) / sizeof(probe_modules[0]);
	if (c->kernel.modules_dir == NULL) {
		line(c, true, "modules", "no lib/modules/%s: assuming virtio is built in",
		     c->kernel.version);
		return true;
	}
	if (initramfs_module_order(c->kernel.modules_dir, probe_modules, n, &paths, &count, &err) <
	    0) {
		line(c, false, "modules", "%s", err->msg);
		error_release(&err);
		return false;
	}
	line(c, true, "modules", "%zu to load for virtio-mmio and virtio-rng, from %s", count,
	     c->kernel.modules_dir);
	initramfs_free_paths(paths, count);
	return true;
}

static bool check_initramfs(struct check *c, const char *root)
{
	struct error *err = NULL;
	cleanup_free char *cache = NULL;
	struct initramfs_spec spec = {
		.kernel_version = c->kernel.version,
		.modules_dir = c->kernel.modules_dir,
		.modules = probe_modules,
		.nr_modules = sizeof(probe_modules) / sizeof(probe_modules[0]),
	};
	spec.agent = initramfs_agent(&spec.agent_size);
	if (asprintf(&cache, "%s/.cache", root) < 0)
		abort();
	if (initramfs_get(cache, &spec, &c->initramfs, &err) < 0) {
		line(c, false, "initramfs", "%s", err->msg);
		error_release(&err);
		return false;
	}
	struct stat st;
	long kib = stat(c->initramfs, &st) == 0 ? (long)(st.st_size >> 10) : -1;
	line(c, true, "initramfs", "%s (%ld KiB)", c->initramfs, kib);
	return true;
}

/* The guest's console, read while the VM runs, with the moment the agent
 * announced itself. */
struct console {
	int fd;
	char *text;
	size_t len;
	struct timespec agent_seen;
	bool seen;
	pthread_t thread;
};

static void *console_reader(void *arg)
{
	struct console *con = arg;
	char buf[4096];
	ssize_t n;
	while ((n = read(con->fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		if (n <= 0)
			continue;
		con->text = xrealloc(con->text, con->len + (size_t)n + 1);
		memcpy(con->text + con->len, buf, (size_t)n);
		con->len += (size_t)n;
		con->text[con->len] = '\0';
		if (!con->seen && strstr(con->text, AGENT_PREFIX "init at") != NULL) {
			clock_gettime(CLOCK_MONOTONIC, &con->agent_seen);
			con->seen = true;
		}
	}
	return NULL;
}

static long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void report_devices(struct check *c, const char *text)
{
	int found = 0;
	for (const char *p = strstr(text, AGENT_PREFIX "device "); p != NULL;
	     p = strstr(p + 1, AGENT_PREFIX "device ")) {
		char name[32], id[16], driver[64];
		if (sscanf(p, AGENT_PREFIX "device %31s id %15s driver %63s", name, id, driver) !=
		    3)
			continue;
		found++;
		bool bound = strcmp(driver, "none") != 0;
		line(c, bound, "device", "%s (virtio id %s) %s %s", name, id,
		     bound ? "bound to" : "has no driver", bound ? driver : "");
	}
	if (found == 0)
		line(c, false, "devices", "the guest found no virtio device");
}

static void probe(struct check *c)
{
	struct error *err = NULL;
	struct vm vm;
	struct console con = {0};
	int pipefd[2];
	struct vm_config config = {
		.memory = PROBE_MEMORY,
		.vcpus = 1,
		.kernel = c->kernel.path,
		.initrd = c->initramfs,
		.cmdline = PROBE_CMDLINE,
	};
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		line(c, false, "boot", "pipe: %s", strerror(errno));
		return;
	}
	con.fd = pipefd[0];
	config.serial_fd = pipefd[1];
	pthread_create(&con.thread, NULL, console_reader, &con);
	struct timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	enum vm_exit why = VM_EXIT_ERROR;
	if (vm_create(&vm, &config, &err) == 0) {
		why = vm_run(&vm, &err);
		clock_gettime(CLOCK_MONOTONIC, &end);
		if (why == VM_EXIT_CRASH || why == VM_EXIT_ERROR)
			log_error_report(&(struct error){0, vm.exit_detail});
		vm_destroy(&vm);
	}
	close(pipefd[1]);
	pthread_join(con.thread, NULL);
	close(pipefd[0]);
	if (con.text != NULL && log_debug_enabled())
		log_debug("probe console:\n%s", con.text);
	if (err != NULL) {
		line(c, false, "boot", "%s", err->msg);
		error_release(&err);
	} else if (why == VM_EXIT_CRASH) {
		line(c, false, "boot", "guest crashed (registers in the log above)");
	} else if (!con.seen) {
		line(c, false, "boot",
		     "the guest ended (%s) before its agent reported, after %ld ms",
		     vm_exit_name(why), ms_between(&start, &end));
	} else {
		line(c, true, "boot", "%ld ms (VMM start to guest init)",
		     ms_between(&start, &con.agent_seen));
		report_devices(c, con.text);
	}
	free(con.text);
}

int cmd_check(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	static const struct option options[] = {
		{"kernel", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *kernel = NULL;
	struct check c = {0};
	int opt;

	while ((opt = cli_next_option(argc, argv, "k:h", options, err)) != CLI_END) {
		if (opt < CLI_END)
			return cli_stop(opt);
		if (opt == 'k')
			kernel = optarg;
	}
	if (cli_expect_args(argc, argv, 0, "", err) < 0)
		return -1;
	bool kvm = check_kvm(&c);
	bool flavour = check_flavour(&c);
	bool ready =
		check_kernel(&c, kernel) && check_modules(&c) && check_initramfs(&c, ctx->root);
	if (kvm && ready && flavour)
		probe(&c);
	else
		line(&c, false, "boot", "not tried (see the problems above)");
	guest_kernel_release(&c.kernel);
	free(c.initramfs);
	if (c.problems > 0)
		return error_set(err, 0, "check: %d problem%s", c.problems,
				 c.problems > 1 ? "s" : "");
	return 0;
}
