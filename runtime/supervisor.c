/* The VMM process: boot, create the container through the agent, then
 * supervise it until it exits. */
#include "runtime/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "agent/protocol.h"
#include "common/unix_socket.h"
#include "common/beneath.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/timefmt.h"
#include "common/xalloc.h"
#include "netns/net.h"
#include "vmm/lockdown.h"
#include "runtime/agent_client.h"
#include "runtime/cgroup.h"
#include "runtime/passed_fds.h"
#include "runtime/pool.h"
#include "runtime/procview.h"
#include "runtime/stdio_relay.h"
#include "runtime/terminal.h"
#include "runtime/vmm_root.h"
#include "vmm/vm.h"

/* The guest kernel's arguments for a microVM (docs/performance.md):
 * no PCI scan, reboot through the i8042 (the VM's end), no crypto
 * self-tests (cryptomgr.notests: half a second of the test host's boot;
 * the KDF's own self-test is an initcall of its own), no tracefs (its
 * setup queues the trace-event eval-map update, 0.6 s of the boot; a
 * container has no use for the guest kernel's tracing), no probing for
 * a second to fourth UART, and the timer and TSC trusted (the VMM's KVM
 * clock; no_timer_check skips the IRQ0 check).  Nothing about the i8042:
 * the DSDT has no PS/2 device and the FADT no 8042 flag, so its driver
 * gives up at once; told to skip that ACPI lookup (i8042.nopnp) it
 * probes the ports and waits for its controller's answer, which the
 * VMM's reset-only i8042 never gives (0.5 s on hardware, 2.2 s in the
 * test host). */
#define GUEST_CMDLINE                                                                              \
	"console=ttyS0 reboot=k panic=-1 pci=off cryptomgr.notests "                               \
	"initcall_blacklist=crypto_kdf108_init,tracer_init_tracefs 8250.nr_uarts=1 "               \
	"no_timer_check tsc=reliable"
#define GUEST_CMDLINE_QUIET GUEST_CMDLINE " quiet"
#define GUEST_CMDLINE_DEBUG GUEST_CMDLINE " vrun.debug"
/* The rootfs share's DAX window (vmm/virtio/fs/dax.h): 32 mappings of
 * 2 MiB at once; its page structures cost the guest 1 MiB of RAM. */
#define ROOTFS_DAX_WINDOW (64ull << 20)
#define BOOT_TIMEOUT_MS	  120000 /* generous: the emulated test host boots in seconds */
#define OUTPUT_DRAIN_MS	  5000	 /* after the exit, for the last output to arrive */
#define STATUS_VM_FAILURE 255
#define TOP_TIMEOUT_S	  5 /* for the guest's TOP answer */
#define VMM_THREAD_STACK  (512u << 10)

struct supervisor {
	const struct supervisor_config *c;
	struct vm vm;
	bool vm_created;
	pthread_t vm_thread;
	bool vm_started;
	int vm_done_fd; /* eventfd: the VM ended */
	int listen_fd;	/* host port AGENT_PORT, for the agent's connection */
	int agent_fd;
	int signal_fd;
	int serial_fd;
	int tty_fd; /* our end of the container's terminal, -1 without one */
	struct stdio_relay relay;
	char listen_path[PATH_MAX];
	bool own_mounts;		 /* in a mount namespace of its own */
	int fuse_fd;			 /* /dev/fuse for procview, -1 without */
	int null_fd;			 /* /dev/null */
	struct terminal console;	 /* until its master is sent */
	struct vm_host_files host_files; /* /dev/kvm, the kernel and initrd, until then */
	const char *netns;		 /* the container's network namespace, or NULL */
	int netns_fd, home_netns_fd;	 /* it and ours, open while taps are
					    redirected from it */
	struct net_config net;		 /* its interfaces, each with a tap beside it */
	int taps[NET_MAX_IFACES];
	bool late_nic;		 /* taps[0] is LATE_NIC_TAP */
	bool pooled;		 /* booted for a pool: shares exported at the claim */
	struct timespec started; /* CLOCK_MONOTONIC: the --debug timings */
};

/* Signals that go to the container process; SIGKILL and SIGSTOP cannot be
 * caught, and end or freeze the VM as they would the process. */
static void forwarded_signals(sigset_t *set)
{
	static const int signals[] = {SIGHUP,  SIGINT,	SIGQUIT, SIGUSR1, SIGUSR2,   SIGALRM,
				      SIGTERM, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU,   SIGWINCH,
				      SIGPWR,  SIGURG,	SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF};
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		sigaddset(set, signals[i]);
	for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
		if (s != SIGRTMIN + 2) /* the vCPU kick (vmm/vcpu.c) */
			sigaddset(set, s);
}

static void report_parent(struct supervisor *s, int code, const char *msg)
{
	char buf[4096];
	int n = code == 0 ? snprintf(buf, sizeof(buf), "R")
			  : snprintf(buf, sizeof(buf), "E%d:%s", code, msg);
	if (s->c->sync_fd < 0)
		return;
	/* A claim's word ends with its NUL (buf[len]): the connection
	 * stays, for the exit status. */
	bool claim = s->c->status_fd >= 0;
	size_t len = n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	if (fs_write_all(s->c->sync_fd, buf, len + (claim ? 1 : 0)) < 0)
		log_warning("report to the parent: %s", strerror(errno));
	if (!claim)
		close(s->c->sync_fd);
}

enum vmm_word vmm_read_word(int fd, char *buf, size_t size, int *code, const char **message)
{
	size_t len = 0;
	ssize_t n;
	while (len < size - 1 && ((n = read(fd, buf + len, 1)) > 0 || (n < 0 && errno == EINTR))) {
		if (n > 0 && buf[len] == '\0')
			break;
		len += n > 0 ? (size_t)n : 0;
	}
	buf[len] = '\0';
	if (len > 0 && buf[0] == 'R')
		return VMM_WORD_READY;
	int skip = 0;
	*code = 1;
	if (len > 0 && sscanf(buf, "E%d:%n", code, &skip) >= 1 && skip > 0) {
		*message = buf + skip;
		return VMM_WORD_ERROR;
	}
	return VMM_WORD_NONE;
}

/* The VMM's mounts live in a mount namespace of its own: they go when it
 * does, and the host never sees them. */
static int own_mount_namespace(struct supervisor *s, struct error **err)
{
	if (s->own_mounts)
		return 0;
	if (unshare(CLONE_NEWNS) < 0)
		return error_set(err, errno, "unshare the mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return error_set(err, errno, "make / a slave mount");
	s->own_mounts = true;
	return 0;
}

static void rootfs_path(const struct supervisor *s, char *out, size_t size)
{
	const struct oci_config *config = s->c->config;
	const char *root = config->root != NULL ? config->root->path : "rootfs";
	snprintf(out, size, "%s%s%s", root[0] == '/' ? "" : s->c->bundle, root[0] == '/' ? "" : "/",
		 root);
}

/* Makes `dest` (absolute) beneath rootfd: missing directories, and the
 * last component a directory, or an empty file when `file`. */
static int make_mount_point(int rootfd, const char *dest, bool file, struct error **err)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s", dest);
	for (char *p = path + 1;; p++) {
		bool last = *p == '\0';
		if (*p != '/' && !last)
			continue;
		*p = '\0';
		char *slash = strrchr(path, '/');
		const char *name = slash + 1;
		*slash = '\0';
		int parent = beneath_open(rootfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		*slash = '/';
		int ret = 0;
		if (parent < 0)
			ret = -1;
		else if (name[0] != '\0' && last && file) {
			int fd = openat(parent, name,
					O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (fd >= 0)
				close(fd);
			else if (errno != EEXIST)
				ret = -1;
		} else if (name[0] != '\0' && mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
			ret = -1;
		int saved = errno;
		if (parent >= 0)
			close(parent);
		if (ret < 0)
			return error_set(err, saved, "mount %s: create mount point", dest);
		if (last)
			return 0;
		*p = '/';
	}
}

/* A read-only rootfs is exported read-only, so the guest cannot make
 * mount points in it: the ones config.json needs are made here first, as
 * runc makes them in the rootfs on the host (not those under another
 * mount, which the guest makes in that mount). */
static int prepare_mount_points(struct supervisor *s, struct error **err)
{
	const struct oci_config *config = s->c->config;
	if (config->root == NULL || !config->root->readonly)
		return 0;
	char rootfs[4096];
	rootfs_path(s, rootfs, sizeof(rootfs));
	int rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return error_set(err, errno, "rootfs %s", rootfs);
	int ret = 0;
	for (size_t i = 0; i < config->mounts.len && ret == 0; i++) {
		const struct oci_mount *m = &config->mounts.items[i];
		bool nested = false;
		for (size_t j = 0; j < i && !nested; j++)
			nested = path_beneath(m->destination, config->mounts.items[j].destination);
		struct stat st;
		bool file = oci_mount_is_bind(m) && m->source != NULL &&
			    stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode);
		if (!nested)
			ret = make_mount_point(rootfd, m->destination, file, err);
	}
	close(rootfd);
	return ret;
}

/* `run --image`: the rootfs is an overlay of the image's cached, shared
 * rootfs (the annotation names it, read-only) and the container's own
 * layer (BUNDLE/upper), mounted in the VMM's namespace. */
static int setup_rootfs_overlay(struct supervisor *s, struct error **err)
{
	const struct oci_strmap *a = &s->c->config->annotations;
	const char *lower = NULL;
	for (size_t i = 0; i < a->len; i++)
		if (strcmp(a->items[i].key, ROOTFS_LOWER_ANNOTATION) == 0)
			lower = a->items[i].value;
	if (lower == NULL)
		return 0;
	char rootfs[4096], upper[4096], work[4096], options[12800];
	rootfs_path(s, rootfs, sizeof(rootfs));
	snprintf(upper, sizeof(upper), "%s/upper", s->c->bundle);
	snprintf(work, sizeof(work), "%s/work", s->c->bundle);
	if (strpbrk(lower, ",:") != NULL || strpbrk(s->c->bundle, ",:") != NULL)
		return error_set_kind(err, EINVAL,
				      "overlay rootfs: paths with ',' or ':' cannot be "
				      "overlay layers");
	if (own_mount_namespace(s, err) < 0)
		return -1;
	if ((mkdir(upper, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(work, 0700) < 0 && errno != EEXIST))
		return error_set(err, errno, "overlay rootfs: %s", upper);
	snprintf(options, sizeof(options), "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper,
		 work);
	if (mount("overlay", rootfs, "overlay", 0, options) < 0)
		return error_set(err, errno, "overlay rootfs on %s (lower %s)", rootfs, lower);
	log_debug("rootfs: overlay of %s and %s", lower, upper);
	return 0;
}

/* Bind mount sources are bind-mounted, in the VMM's mount namespace, into
 * a tmpfs that is the `mounts` share: entry N is mount N of config.json,
 * which the agent mounts in its place. */
static int setup_bind_share(struct supervisor *s, bool *shared, struct error **err)
{
	const struct oci_config *config = s->c->config;
	char dir[4096];
	*shared = false;
	for (size_t i = 0; i < config->mounts.len; i++)
		*shared = *shared || oci_mount_is_bind(&config->mounts.items[i]);
	if (!*shared)
		return 0;
	snprintf(dir, sizeof(dir), "%s/%s", s->c->state_dir, BIND_SHARE_DIR);
	if (own_mount_namespace(s, err) < 0)
		return -1;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return error_set(err, errno, "mkdir %s", dir);
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") < 0)
		return error_set(err, errno, "mount tmpfs on %s", dir);
	for (size_t i = 0; i < config->mounts.len; i++) {
		const struct oci_mount *m = &config->mounts.items[i];
		char source[4096], target[4200];
		struct stat st;
		if (!oci_mount_is_bind(m))
			continue;
		if (m->source == NULL)
			return error_set_kind(err, EINVAL, "mount %s: bind mount without a source",
					      m->destination);
		snprintf(source, sizeof(source), "%s%s%s", m->source[0] == '/' ? "" : s->c->bundle,
			 m->source[0] == '/' ? "" : "/", m->source);
		snprintf(target, sizeof(target), "%s/%zu", dir, i);
		if (stat(source, &st) < 0)
			return error_set(err, errno, "mount source %s for %s", source,
					 m->destination);
		int fd = S_ISDIR(st.st_mode) ? mkdir(target, 0755)
					     : open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0)
			return error_set(err, errno, "bind share entry %s", target);
		if (!S_ISDIR(st.st_mode))
			close(fd);
		if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) < 0)
			return error_set(err, errno, "bind mount %s", source);
	}
	return 0;
}

/* --vmm-user: the VMM's own sockets, which its threads connect to once
 * they are that user (vsock's for the agent, the agent's for procview). */
static int give_to_vmm_user(const char *path, struct error **err)
{
	uid_t uid;
	gid_t gid;
	if (lockdown_mode() == LOCKDOWN_OFF || lockdown_user(&uid, &gid) < 0)
		return 0;
	if (chown(path, uid, gid) < 0)
		return error_set(err, errno, "--vmm-user: give %s to %u:%u", path, (unsigned)uid,
				 (unsigned)gid);
	return 0;
}

static int listen_agent(struct supervisor *s, struct error **err)
{
	if (snprintf(s->listen_path, sizeof(s->listen_path), "%s/%s_%d", s->c->state_dir,
		     VSOCK_SOCKET, AGENT_PORT) >= (int)sizeof(s->listen_path))
		return error_set_kind(err, ENAMETOOLONG, "%s: path too long", s->c->state_dir);
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0)
		return error_set(err, errno, "socket");
	unlink(s->listen_path);
	if (unix_bind(s->listen_fd, s->listen_path) < 0 || listen(s->listen_fd, 1) < 0)
		return error_set(err, errno, "listen on %s", s->listen_path);
	return give_to_vmm_user(s->listen_path, err);
}

static void *vm_thread(void *arg)
{
	struct supervisor *s = arg;
	struct error *err = NULL;
	enum vm_exit why = vm_run(&s->vm, &err);
	if (why == VM_EXIT_CRASH || why == VM_EXIT_ERROR)
		log_warning("VM ended: %s: %s", vm_exit_name(why), s->vm.exit_detail);
	error_release(&err);
	uint64_t one = 1;
	if (write(s->vm_done_fd, &one, sizeof(one)) < 0)
		log_warning("vm done: %s", strerror(errno));
	return NULL;
}

static void undo_redirects(struct supervisor *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct error *err = NULL;
		if (net_unredirect(s->net.ifaces[i].name, &err) < 0) {
			log_warning("%s", err->msg);
			error_release(&err);
		}
	}
}

/* A new one, as runc makes: what the caller does to the container's
 * namespace (/proc/PID/ns/net) must not reach the host's. */
static int new_network_namespace(struct supervisor *s, struct error **err)
{
	if (unshare(CLONE_NEWNET) < 0)
		return error_set(err, errno, "network: a new network namespace");
	/* The caller may make the network in it after create (ctr run
	 * --cni): a NIC on a tap of its own waits for `start`. */
	struct error *tap_err = NULL;
	s->late_nic = net_tap_open(LATE_NIC_TAP, 1500, &s->taps[0], &tap_err) == 0;
	log_debug("network: a new network namespace (no path in config.json): loopback "
		  "only%s%s",
		  s->late_nic ? ", and a NIC for a network made before start"
			      : "; no NIC for a later network: ",
		  s->late_nic ? "" : tap_err->msg);
	error_release(&tap_err);
	return 0;
}

/* In the container's network namespace: its interfaces, a tap beside
 * each joined to it by tc redirects.  The VMM serves the taps (they go
 * when it ends); the redirects come off in teardown_network. */
static int setup_network(struct supervisor *s, struct error **err)
{
	int old;
	s->netns = oci_namespace_path(s->c->config, "network");
	if (s->netns == NULL && oci_has_namespace(s->c->config, "network"))
		return new_network_namespace(s, err);
	if (s->netns == NULL) {
		log_debug("network: no network namespace path in config.json: the guest has "
			  "loopback only");
		return 0;
	}
	if (net_enter(s->netns, &old, err) < 0)
		return -1;
	int ret = net_discover(&s->net, err);
	size_t made = 0;
	for (; ret == 0 && made < s->net.n; made++)
		if (net_tap_redirect(&s->net.ifaces[made], &s->taps[made], err) < 0)
			ret = -1;
	if (ret < 0) {
		made = made > 0 ? made - 1 : 0; /* the failed one cleaned up after itself */
		undo_redirects(s, made);
		for (size_t i = 0; i < made; i++)
			close(s->taps[i]);
		s->net.n = 0;
	}
	net_leave(old);
	/* Held for the teardown: by then our main thread's root is the
	 * container's (procview.h), where the paths name nothing. */
	if (ret == 0 && s->net.n > 0 &&
	    ((s->netns_fd = open(s->netns, O_RDONLY | O_CLOEXEC)) < 0 ||
	     (s->home_netns_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0))
		log_warning("network: %s: %s (its redirects stay when the container ends)",
			    s->netns, strerror(errno));
	if (ret < 0)
		return error_wrap(err, "network (namespace %s)", s->netns);
	log_debug("network: %zu interfaces in %s", s->net.n, s->netns);
	return 0;
}

static void log_tail(int fd, char *out, size_t size)
{
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)size - 1 ? end - (off_t)size + 1 : 0;
	ssize_t n = pread(fd, out, size - 1, from);
	out[n > 0 ? n : 0] = '\0';
}

void vmm_log_tail(const char *state_dir, char *out, size_t size)
{
	char path[PATH_MAX];
	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", state_dir, VMM_LOG);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	log_tail(fd, out, size);
	close(fd);
}

static void teardown_network(struct supervisor *s)
{
	if (s->netns_fd >= 0 && s->home_netns_fd >= 0 && s->net.n > 0)
		net_release_fd(s->netns_fd, s->home_netns_fd);
	if (s->netns_fd >= 0)
		close(s->netns_fd);
	if (s->home_netns_fd >= 0)
		close(s->home_netns_fd);
	s->netns_fd = s->home_netns_fd = -1;
	s->net.n = 0;
}

static int boot(struct supervisor *s, bool bind_share, struct error **err)
{
	char log_path[4096], rootfs[4096], binds[4096];
	const struct oci_config *config = s->c->config;
	snprintf(log_path, sizeof(log_path), "%s/%s", s->c->state_dir, VMM_LOG);
	/* Read too, for its tail (supervisor_run), when the path is no
	 * longer ours to open. */
	s->serial_fd = open(log_path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (s->serial_fd < 0)
		return error_set(err, errno, "%s", log_path);
	char vsock_path[4096];
	snprintf(vsock_path, sizeof(vsock_path), "%s/%s", s->c->state_dir, VSOCK_SOCKET);
	const struct vm_shape *shape = s->c->shape;
	const char *base = log_debug_enabled() ? GUEST_CMDLINE_DEBUG : GUEST_CMDLINE_QUIET;
	char cmdline[256 + VM_SHAPE_CMDLINE_MAX];
	snprintf(cmdline, sizeof(cmdline), "%s%s%s", base, shape->cmdline_extra ? " " : "",
		 shape->cmdline_extra ? shape->cmdline_extra : "");
	struct vm_config vc = {
		.memory = shape->memory,
		.vcpus = shape->vcpus,
		.files = &s->host_files,
		.kernel = s->c->guest->boot,
		.initrd = s->c->guest->initramfs,
		.cmdline = cmdline,
		.serial_fd = s->serial_fd,
		.vsock_path = vsock_path,
		.shares = {{"rootfs", NULL, false, shape->dax ? ROOTFS_DAX_WINDOW : 0},
			   {"mounts", NULL, false, 0}},
		.nr_shares = bind_share || s->pooled ? 2 : 1,
		.nr_nics = (unsigned)s->net.n,
	};
	if (!s->pooled) { /* a pool's VM gets them at its claim */
		rootfs_path(s, rootfs, sizeof(rootfs));
		snprintf(binds, sizeof(binds), "%s/%s", s->c->state_dir, BIND_SHARE_DIR);
		vc.shares[0].path = rootfs;
		vc.shares[0].read_only = config->root != NULL && config->root->readonly;
		vc.shares[1].path = binds;
	}
	for (size_t i = 0; i < s->net.n; i++) {
		vc.nics[i] =
			(struct vm_nic){.tap = s->taps[i], .mtu = (uint16_t)s->net.ifaces[i].mtu};
		memcpy(vc.nics[i].mac, s->net.ifaces[i].mac, 6);
	}
	if (s->late_nic) {
		const uint8_t late_mac[6] = LATE_NIC_MAC;
		vc.nics[0] = (struct vm_nic){.tap = s->taps[0], .mtu = 1500};
		memcpy(vc.nics[0].mac, late_mac, 6);
		vc.nr_nics = 1;
	}
	int created = vm_create(&s->vm, &vc, err);
	vm_host_files_release(&s->host_files);
	if (created < 0)
		return -1;
	s->vm_created = true;
	if (give_to_vmm_user(vsock_path, err) < 0)
		return -1;
	int ret = pthread_create(&s->vm_thread, NULL, vm_thread, s);
	if (ret != 0)
		return error_set(err, ret, "start the VM");
	s->vm_started = true;
	log_debug("boot: the VM running %ld ms after the VMM started",
		  timefmt_ms_since(&s->started));
	return 0;
}

/* The agent's connection, once the guest is up; also watches the VM. */
static int accept_agent(struct supervisor *s, struct error **err)
{
	struct pollfd fds[2] = {{s->listen_fd, POLLIN, 0}, {s->vm_done_fd, POLLIN, 0}};
	int ret;
	while ((ret = poll(fds, 2, BOOT_TIMEOUT_MS)) < 0 && errno == EINTR)
		;
	if (ret == 0)
		return error_set_kind(err, ETIMEDOUT, "the guest agent did not connect within %d s",
				      BOOT_TIMEOUT_MS / 1000);
	if (fds[1].revents != 0)
		return error_set_kind(err, EIO, "the VM ended before its agent connected (%s)%s%s",
				      s->vm.exit_detail[0] ? s->vm.exit_detail : "see vmm.log",
				      s->c->guest->paravirtual_kvm ? ": " : "",
				      s->c->guest->paravirtual_kvm ? GUEST_KVM_PARAVIRTUAL_HINT
								   : "");
	s->agent_fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (s->agent_fd < 0)
		return error_set(err, errno, "accept the agent");
	uint32_t type;
	cleanup_free char *hello = NULL;
	if (agent_read_frame(s->agent_fd, &type, &hello, 4096) < 0 || type != AGENT_HELLO)
		return error_set_kind(err, EPROTO, "the agent did not say hello");
	log_debug("boot: the agent ready %ld ms after the VMM started (its hello: %s of guest "
		  "uptime)",
		  timefmt_ms_since(&s->started), hello);
	return 0;
}

/* The container process's streams, connected before it is created. */
static int connect_stdio(struct supervisor *s, struct error **err)
{
	int streams[3];
	if (stdio_connect(s->c->state_dir, AGENT_INIT_TOKEN, streams, err) < 0)
		return -1;
	return stdio_relay_start(&s->relay, streams, err);
}

/* With process.terminal: our pty (its master to --console-socket), or,
 * without a console socket, our own stdin and stdout. */
static int connect_terminal(struct supervisor *s, struct error **err)
{
	int stream;
	/* With a console socket, its terminal is ours already
	 * (take_what_needs_paths): its master goes there now; without, our
	 * stdin and stdout are the terminal. */
	if (s->c->console_socket == NULL)
		s->tty_fd = 0;
	else if (terminal_send(&s->console, err) < 0)
		return error_wrap(err, "%s", s->c->console_socket);
	if (stdio_connect_tty(s->c->state_dir, AGENT_INIT_TOKEN, &stream, err) < 0)
		return -1;
	return stdio_relay_start_tty(&s->relay, s->tty_fd, s->tty_fd == 0 ? 1 : s->tty_fd, stream,
				     err);
}

/* SIGWINCH: the size of our terminal goes to the guest's. */
static void resize(struct supervisor *s)
{
	uint16_t rows, cols;
	char payload[sizeof(struct agent_resize) + sizeof(AGENT_INIT_TOKEN)];
	if (s->tty_fd < 0 || !terminal_size(s->tty_fd, &rows, &cols))
		return;
	struct agent_resize r = {rows, cols};
	memcpy(payload, &r, sizeof(r));
	memcpy(payload + sizeof(r), AGENT_INIT_TOKEN, sizeof(AGENT_INIT_TOKEN));
	if (agent_write_frame(s->agent_fd, AGENT_RESIZE, payload, sizeof(payload)) < 0)
		log_warning("resize: %s", strerror(errno));
}

static void forward_signal(struct supervisor *s)
{
	struct signalfd_siginfo info;
	while (read(s->signal_fd, &info, sizeof(info)) == sizeof(info)) {
		if (info.ssi_signo == SIGWINCH && s->tty_fd >= 0) {
			resize(s);
			continue;
		}
		struct agent_signal sig = {(int32_t)info.ssi_signo, 0};
		log_debug("forwarding signal %u to the container", info.ssi_signo);
		if (agent_write_frame(s->agent_fd, AGENT_SIGNAL, &sig, sizeof(sig)) < 0)
			log_warning("forward signal %u: %s", info.ssi_signo, strerror(errno));
	}
}

/* A TOP snapshot for the container's /proc (procview.h), through a
 * connection of its own: the view's thread asks while we supervise. */
static int fetch_top(void *opaque, char **data, size_t *len)
{
	const struct supervisor *s = opaque;
	struct error *err = NULL;
	/* The guest answers in time or not at all: a tool reading /proc
	 * waits for us. */
	int fd = agent_connect_timed(s->c->state_dir, TOP_TIMEOUT_S, &err);
	int ret = fd < 0 ? -1 : agent_request_answer(fd, AGENT_TOP, NULL, 0, data, len, &err);
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		log_debug("the container's /proc: %s", err->msg);
	error_release(&err);
	return ret;
}

/* Our main thread's root becomes the container's rootfs and its /proc
 * the container's, for the host tools that join our mount namespace
 * (`podman top`, `podman cp`; procview.h).  Last: the threads started
 * from here on would get them too. */
static void show_processes(struct supervisor *s)
{
	static struct procview view;
	const struct oci_config *config = s->c->config;
	struct error *err = NULL;
	char rootfs[4096];
	rootfs_path(s, rootfs, sizeof(rootfs));
	struct procview_bind *binds = xcalloc(config->mounts.len + 1, sizeof(*binds));
	char(*sources)[4096] = xcalloc(config->mounts.len + 1, sizeof(*sources));
	struct procview_root root = {.path = rootfs,
				     .readonly = config->root != NULL && config->root->readonly,
				     .binds = binds};
	for (size_t i = 0; i < config->mounts.len; i++) {
		const struct oci_mount *m = &config->mounts.items[i];
		if (!oci_mount_is_bind(m) || m->source == NULL || m->destination == NULL)
			continue;
		struct procview_bind *b = &binds[root.n_binds++];
		/* The share's entry (setup_bind_share), beneath our root. */
		snprintf(sources[i], sizeof(sources[i]), "%s/%s/%zu", s->c->state_dir,
			 BIND_SHARE_DIR, i);
		b->source = sources[i];
		b->destination = m->destination;
		for (size_t o = 0; o < m->options.len; o++)
			b->readonly = b->readonly || strcmp(m->options.items[o], "ro") == 0;
	}
	if (s->fuse_fd < 0)
		goto out;
	int fd = s->fuse_fd;
	s->fuse_fd = -1;
	if (procview_start(&view, fd, &root, fetch_top, s, &err) < 0)
		log_debug("the container's root and /proc for host tools: %s", err->msg);
	error_release(&err);
out:
	free(binds);
	free(sources);
}

/* Only what the VMM's threads still reach by path (vmm_root.h). */
static int confine_mounts(struct supervisor *s, struct error **err)
{
	if (lockdown_mode() == LOCKDOWN_OFF)
		return 0;
	if (!s->own_mounts)
		return error_set_kind(err, EINVAL, "the VMM's root: not in a namespace of its own");
	char rootfs[4096];
	rootfs_path(s, rootfs, sizeof(rootfs));
	const char *const keep[] = {s->c->state_dir, rootfs};
	return vmm_root_enter(keep, 2, err);
}

/* The main thread's turn (lockdown.h), once it has done all that needs
 * privilege.  What it would still do with paths or another namespace is
 * left to `delete`: the state dir's sockets (our root is no longer the
 * host's, procview.h) and the network's redirects. */
static int lock_down(struct supervisor *s)
{
	struct error *err = NULL;
	if (lockdown_mode() == LOCKDOWN_OFF)
		return 0;
	vm_leave_socket_file(&s->vm);
	s->listen_path[0] = '\0';
	if (s->netns_fd >= 0)
		close(s->netns_fd);
	if (s->home_netns_fd >= 0)
		close(s->home_netns_fd);
	s->netns_fd = s->home_netns_fd = -1;
	if (lockdown_thread(LOCKDOWN_SUPERVISOR, &err) < 0) {
		log_warning("container %s: %s; the VM is stopped", s->c->id, err->msg);
		error_release(&err);
		return -1;
	}
	return 0;
}

/* Until the container process exits (its status) or the VM ends (-1). */
static int supervise(struct supervisor *s)
{
	for (;;) {
		struct pollfd fds[3] = {{s->agent_fd, POLLIN, 0},
					{s->signal_fd, POLLIN, 0},
					{s->vm_done_fd, POLLIN, 0}};
		if (poll(fds, 3, -1) < 0)
			continue;
		if (fds[1].revents)
			forward_signal(s);
		if (fds[2].revents)
			return -1;
		if (!fds[0].revents)
			continue;
		uint32_t type;
		char *payload;
		ssize_t n = agent_read_frame(s->agent_fd, &type, &payload, 65536);
		if (n < 0)
			return -1;
		struct agent_exit e;
		bool exited = type == AGENT_EXIT && (size_t)n == sizeof(e);
		if (exited)
			memcpy(&e, payload, sizeof(e));
		free(payload);
		if (exited)
			return e.status;
	}
}

static void shut_down(struct supervisor *s)
{
	teardown_network(s);
	if (s->vm_started) {
		vm_request_stop(&s->vm, VM_EXIT_POWEROFF, "the container exited");
		pthread_join(s->vm_thread, NULL);
	}
	if (s->vm_created)
		vm_destroy(&s->vm);
	if (s->fuse_fd >= 0)
		close(s->fuse_fd);
	if (s->null_fd >= 0)
		close(s->null_fd);
	terminal_release(&s->console);
	vm_host_files_release(&s->host_files);
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		if (s->listen_path[0] != '\0')
			unlink(s->listen_path);
	}
}

/* Before anything is allocated or started: all the VM's memory and
 * threads are the cgroup's. */
static int place_in_cgroup(const struct supervisor_config *c, struct error **err)
{
	if (c->cgroup == NULL || c->cgroup[0] == '\0')
		return 0;
	int dirfd = open(c->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return error_set(err, errno, "%s", c->state_dir);
	const struct oci_resources *r =
		c->config->linux_ != NULL ? c->config->linux_->resources : NULL;
	int ret = cgroup_place_self(c->cgroup, r, dirfd, err);
	close(dirfd);
	return ret;
}

/* What the VMM reaches by a host path, taken before its root is made
 * small (confine_mounts): /dev/kvm, the guest's kernel and initrd, the
 * terminal and the console socket (the master is sent once the process
 * is there, as before), /dev/null, /dev/fuse for procview. */
static int take_host_files(struct supervisor *s, struct error **err)
{
	struct vm_config files = {.kernel = s->c->guest->boot, .initrd = s->c->guest->initramfs};
	return vm_open_host_files(&files, &s->host_files, err);
}

static int take_what_needs_paths(struct supervisor *s, bool tty, struct error **err)
{
	if (tty && s->c->console_socket != NULL) {
		const struct oci_process *p = s->c->config->process;
		uint16_t rows = p->console_size ? (uint16_t)p->console_size->height : 0;
		uint16_t cols = p->console_size ? (uint16_t)p->console_size->width : 0;
		if (terminal_open(s->c->console_socket, rows, cols, true, &s->console, &s->tty_fd,
				  err) < 0)
			return -1;
	}
	s->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (s->null_fd < 0)
		return error_set(err, errno, "/dev/null");
	struct error *fuse_err = NULL;
	if ((s->fuse_fd = procview_open_device(&fuse_err)) < 0)
		log_debug("the container's root and /proc for host tools: %s", fuse_err->msg);
	error_release(&fuse_err);
	return 0;
}

/* The VM runs and its agent has said hello: the container's process,
 * prepared in the guest. */
static int create_in_guest(struct supervisor *s, bool tty, struct error **err)
{
	int code = 1;
	if (tty ? connect_terminal(s, err) < 0 : connect_stdio(s, err) < 0)
		return 1;
	/* With a console socket the caller's stdio is not the container's:
	 * we let go of it, so that a caller reading our stdout to its end
	 * (go-runc does) is not held until the container exits.  Our own
	 * warnings go on in vmm.log. */
	if (tty && s->c->console_socket != NULL)
		fs_stdio_release_to(s->null_fd, s->serial_fd);
	if (s->c->fds != NULL &&
	    passed_fds_connect(s->c->state_dir, AGENT_INIT_TOKEN, s->c->fds, err) < 0)
		return 1;
	/* The guest's interfaces first: the process starts networked. */
	if (s->net.n > 0 &&
	    agent_send_network(s->agent_fd, s->net.ifaces, s->net.n, &code, err) < 0)
		return code;
	/* id NUL bundle NUL config.json: the guest's hooks get them in their
	 * state. */
	size_t id_len = strlen(s->c->id) + 1, bundle_len = strlen(s->c->bundle) + 1;
	size_t len = id_len + bundle_len + s->c->config_len;
	cleanup_free char *payload = xcalloc(1, len);
	memcpy(payload, s->c->id, id_len);
	memcpy(payload + id_len, s->c->bundle, bundle_len);
	memcpy(payload + id_len + bundle_len, s->c->config_text, s->c->config_len);
	if (agent_request(s->agent_fd, AGENT_CREATE, payload, len, &code, err) < 0)
		return code;
	if (s->c->fds != NULL &&
	    passed_fds_relay(&s->relay, s->c->state_dir, AGENT_INIT_TOKEN, s->c->fds, err) < 0)
		return 1;
	return 0;
}

static int create_container(struct supervisor *s, struct error **err)
{
	bool bind_share;
	/* While we are one thread: all of the VMM's are confined at once
	 * (confine_mounts). */
	if (lockdown_mode() != LOCKDOWN_OFF && own_mount_namespace(s, err) < 0)
		return 1;
	bool tty = s->c->config->process != NULL && s->c->config->process->terminal;
	if (setup_rootfs_overlay(s, err) < 0 || prepare_mount_points(s, err) < 0 ||
	    setup_bind_share(s, &bind_share, err) < 0 || setup_network(s, err) < 0 ||
	    listen_agent(s, err) < 0 || take_host_files(s, err) < 0 ||
	    take_what_needs_paths(s, tty, err) < 0 || confine_mounts(s, err) < 0 ||
	    boot(s, bind_share, err) < 0 || accept_agent(s, err) < 0)
		return 1;
	return create_in_guest(s, tty, err);
}

/* Before the VM: what every VMM's process needs; 0, or -1 reported. */
static int supervisor_init(struct supervisor *s, const struct supervisor_config *c)
{
	*s = (struct supervisor){
		.c = c,
		.listen_fd = -1,
		.agent_fd = -1,
		.serial_fd = -1,
		.tty_fd = -1,
		.netns_fd = -1,
		.home_netns_fd = -1,
		.fuse_fd = -1,
		.host_files = {.kvm = -1},
		.null_fd = -1,
		.console = {-1, -1, ""},
	};
	struct error *err = NULL;
	sigset_t forwarded;

	clock_gettime(CLOCK_MONOTONIC, &s->started);
	/* One malloc arena for all the VMM's threads, which allocate little:
	 * glibc's arena per thread cost 80 to 116 KiB each, 0.5 MiB of the
	 * VMM's 3 MiB of private memory (docs/performance.md). */
	mallopt(M_ARENA_MAX, 1);
	/* Its threads' stacks are small, not glibc's 8 MiB: where THP is
	 * "always", a touched 8 MiB stack took a 2 MiB huge page (a VMM's
	 * private memory 4.6 MiB instead of 2.6 in two runs of three, and in
	 * `make bench`); no huge page fits one of these.  The deepest frame holds 64 KiB (a
	 * relay's buffer, an xattr's value). */
	pthread_attr_t attr;
	if (pthread_attr_init(&attr) == 0) {
		pthread_attr_setstacksize(&attr, VMM_THREAD_STACK);
		pthread_setattr_default_np(&attr);
		pthread_attr_destroy(&attr);
	}
	if (c->vmm_user)
		lockdown_set_user(c->vmm_uid, c->vmm_gid);
	if (lockdown_arm(getenv("VRUN_VMM_LOCKDOWN"), &err) < 0 || lockdown_limits(&err) < 0) {
		report_parent(s, 1, err->msg);
		error_release(&err);
		return -1;
	}

	/* Blocked before any thread starts, so only the signalfd takes them. */
	forwarded_signals(&forwarded);
	sigprocmask(SIG_BLOCK, &forwarded, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->signal_fd = signalfd(-1, &forwarded, SFD_CLOEXEC | SFD_NONBLOCK);
	s->vm_done_fd = eventfd(0, EFD_CLOEXEC);
	if (s->signal_fd < 0 || s->vm_done_fd < 0) {
		report_parent(s, 1, "signalfd or eventfd failed");
		return -1;
	}
	return 0;
}

/* The container is created: report, supervise it, and end with its
 * status. */
static int run_created(struct supervisor *s)
{
	const struct supervisor_config *c = s->c;
	const char *lock_failure = lockdown_failure();
	if (lock_failure != NULL) {
		report_parent(s, 1, lock_failure);
		shut_down(s);
		return 1;
	}
	log_debug("create: the process prepared %ld ms after the %s", timefmt_ms_since(&s->started),
		  s->pooled ? "claim" : "VMM started");
	report_parent(s, 0, NULL);
	show_processes(s);
	if (lock_down(s) < 0) {
		shut_down(s);
		return STATUS_VM_FAILURE;
	}
	int status = supervise(s);
	struct timespec exited;
	clock_gettime(CLOCK_MONOTONIC, &exited);
	if (status >= 0)
		stdio_relay_wait(&s->relay, OUTPUT_DRAIN_MS);
	else {
		/* The console's end says why (a panic, say); `run` and
		 * `delete` remove vmm.log with the container. */
		char tail[1024] = "";
		if (s->serial_fd >= 0)
			log_tail(s->serial_fd, tail, sizeof(tail));
		log_warning("container %s: the VM ended before the container process; the end of "
			    "its console (%s/%s):\n%s",
			    c->id, c->state_dir, VMM_LOG, tail);
	}
	shut_down(s);
	if (status >= 0)
		log_debug("exit: the VMM done %ld ms after the agent reported the process's exit",
			  timefmt_ms_since(&exited));
	status = status >= 0 ? status : STATUS_VM_FAILURE;
	if (c->status_fd >= 0 && dprintf(c->status_fd, "X%d", status) < 0)
		log_warning("exit status to the claim's caller: %s", strerror(errno));
	return status;
}

int supervisor_run(const struct supervisor_config *c)
{
	struct supervisor s;
	struct error *err = NULL;
	if (supervisor_init(&s, c) < 0)
		return 1;
	int code = place_in_cgroup(c, &err) < 0 ? 1 : create_container(&s, &err);
	if (code != 0) {
		report_parent(&s, code, err != NULL ? err->msg : "create failed");
		error_release(&err);
		shut_down(&s);
		return code;
	}
	return run_created(&s);
}

/* ---- A pool's VMM (pool.h) ---- */

/* Booted before its container is known: a mount and a network namespace
 * of its own (made while it is one thread), shares that export nothing
 * yet, a NIC for the network a caller may make before start. */
static int pool_boot(struct supervisor *s, struct error **err)
{
	if (own_mount_namespace(s, err) < 0 || new_network_namespace(s, err) < 0)
		return -1;
	if (!s->late_nic)
		return error_set_kind(err, ENODEV, "pool: no tap for the VM's NIC (see --debug)");
	if (listen_agent(s, err) < 0 || take_host_files(s, err) < 0 || boot(s, false, err) < 0 ||
	    accept_agent(s, err) < 0)
		return -1;
	/* The agent's connection is made: its socket is done with. */
	close(s->listen_fd);
	s->listen_fd = -1;
	unlink(s->listen_path);
	s->listen_path[0] = '\0';
	return 0;
}

/* The entry's key and pid files, then its claim socket: there last, for
 * a claimer takes only an entry that has one. */
static int pool_wait_here(const struct pool_vmm_config *p, int *claim_fd, struct error **err)
{
	char text[64], path[PATH_MAX];
	uint64_t start = 0;
	int entry = open(p->entry_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (entry < 0)
		return error_set(err, errno, "pool entry %s", p->entry_dir);
	proc_start_time(getpid(), &start);
	int n = snprintf(text, sizeof(text), "%d %llu", (int)getpid(), (unsigned long long)start);
	int ret = fs_write_file_atomic(entry, POOL_KEY_FILE, p->key, strlen(p->key), 0600, err);
	if (ret == 0)
		ret = fs_write_file_atomic(entry, POOL_PID_FILE, text, (size_t)n, 0600, err);
	close(entry);
	if (ret < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", p->entry_dir, POOL_CLAIM_SOCKET);
	*claim_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*claim_fd < 0 || unix_bind(*claim_fd, path) < 0 || listen(*claim_fd, 4) < 0)
		return error_set(err, errno, "pool: listen on %s", path);
	return 0;
}

/* Until a claim by a process of our user (its connection), or -1 when
 * the VM ends or a signal ends the VMM first. */
static int pool_wait_claim(struct supervisor *s, int listen_fd)
{
	for (;;) {
		struct pollfd fds[3] = {{listen_fd, POLLIN, 0},
					{s->vm_done_fd, POLLIN, 0},
					{s->signal_fd, POLLIN, 0}};
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (fds[1].revents != 0)
			return -1;
		struct signalfd_siginfo info;
		while (fds[2].revents != 0 && read(s->signal_fd, &info, sizeof(info)) > 0)
			if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT ||
			    info.ssi_signo == SIGHUP)
				return -1;
		if (fds[0].revents == 0)
			continue;
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		struct ucred cred;
		socklen_t len = sizeof(cred);
		if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
		    cred.uid == geteuid())
			return fd;
		if (fd >= 0)
			close(fd);
	}
}

/* The claimer's stdio becomes ours, and its log. */
static void pool_take_stdio(struct pool_claim *claim)
{
	for (int i = 0; i < 3; i++) {
		if (claim->stdio[i] < 0)
			continue;
		dup2(claim->stdio[i], i);
		close(claim->stdio[i]);
		claim->stdio[i] = -1;
	}
	struct error *err = NULL;
	log_close();
	if (log_open(claim->log_path, claim->log_format, claim->debug, &err) < 0) {
		log_warning("%s", err->msg);
		error_release(&err);
	}
}

/* The entry's console log and vsock socket move into the container's
 * state dir (the same file system: <root>), and the entry goes. */
static int pool_move_in(struct supervisor *s, const char *entry_dir, struct error **err)
{
	static const char *const files[] = {VMM_LOG, VSOCK_SOCKET};
	char from[PATH_MAX], to[PATH_MAX];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(from, sizeof(from), "%s/%s", entry_dir, files[i]);
		snprintf(to, sizeof(to), "%s/%s", s->c->state_dir, files[i]);
		if (rename(from, to) < 0)
			return error_set(err, errno, "pool: move %s to %s", from, to);
	}
	/* Its path is the entry's; `delete` removes it with the state dir. */
	vm_leave_socket_file(&s->vm);
	struct error *ignored = NULL;
	fs_remove_tree_at(AT_FDCWD, entry_dir, &ignored);
	error_release(&ignored);
	return 0;
}

/* The rootfs, and the bind mounts' share when there is one, exported
 * from the root confine_mounts left (vmm_root.h). */
static int pool_export(struct supervisor *s, bool bind_share, struct error **err)
{
	char rootfs[4096], binds[4096];
	const struct oci_config *config = s->c->config;
	rootfs_path(s, rootfs, sizeof(rootfs));
	snprintf(binds, sizeof(binds), "%s/%s", s->c->state_dir, BIND_SHARE_DIR);
	if (vm_export_share(&s->vm, 0, rootfs, config->root != NULL && config->root->readonly,
			    err) < 0)
		return -1;
	return bind_share ? vm_export_share(&s->vm, 1, binds, false, err) : 0;
}

/* What create_container does, for a VM that runs already. */
static int pool_create(struct supervisor *s, const char *entry_dir, struct error **err)
{
	bool bind_share;
	bool tty = s->c->config->process != NULL && s->c->config->process->terminal;
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	if (place_in_cgroup(s->c, err) < 0 || pool_move_in(s, entry_dir, err) < 0 ||
	    setup_rootfs_overlay(s, err) < 0 || prepare_mount_points(s, err) < 0 ||
	    setup_bind_share(s, &bind_share, err) < 0 || take_what_needs_paths(s, tty, err) < 0 ||
	    confine_mounts(s, err) < 0 || pool_export(s, bind_share, err) < 0)
		return 1;
	return create_in_guest(s, tty, err);
}

/* A pool's VMM that ends before its container or in its creation: its
 * VM, and its entry (moved into the state dir by then, or not). */
static void pool_end(struct supervisor *s, const char *entry_dir)
{
	struct error *ignored = NULL;
	shut_down(s);
	fs_remove_tree_at(AT_FDCWD, entry_dir, &ignored);
	error_release(&ignored);
}

int supervisor_pool_run(const struct pool_vmm_config *p)
{
	struct supervisor_config entry = {.id = "(pool)",
					  .state_dir = p->entry_dir,
					  .guest = p->guest,
					  .shape = p->shape,
					  .sync_fd = p->sync_fd,
					  .status_fd = -1,
					  .vmm_user = p->vmm_user,
					  .vmm_uid = p->vmm_uid,
					  .vmm_gid = p->vmm_gid};
	struct supervisor s;
	struct error *err = NULL;
	int listen_fd = -1;
	if (supervisor_init(&s, &entry) < 0)
		return 1;
	s.pooled = true;
	/* `pool fill` removes the entry of a VMM that did not boot, once it
	 * has the end of its log. */
	if (pool_boot(&s, &err) < 0 || pool_wait_here(p, &listen_fd, &err) < 0) {
		report_parent(&s, 1, err->msg);
		error_release(&err);
		shut_down(&s);
		return 1;
	}
	log_debug("pool: %s waits for a claim, %ld ms after the VMM started", p->entry_dir,
		  timefmt_ms_since(&s.started));
	report_parent(&s, 0, NULL);
	int claim_fd = pool_wait_claim(&s, listen_fd);
	close(listen_fd);
	struct pool_claim claim = {.stdio = {-1, -1, -1}};
	if (claim_fd < 0 || pool_claim_receive(claim_fd, &claim, &err) < 0) {
		if (err != NULL)
			log_warning("%s", err->msg);
		error_release(&err);
		pool_claim_release(&claim);
		pool_end(&s, p->entry_dir);
		return claim_fd < 0 ? 0 : 1;
	}
	pool_take_stdio(&claim);
	struct oci_config config;
	struct supervisor_config claimed = {.id = claim.id,
					    .state_dir = claim.state_dir,
					    .bundle = claim.bundle,
					    .config = &config,
					    .config_text = claim.config_text,
					    .config_len = claim.config_len,
					    .guest = p->guest,
					    .shape = p->shape,
					    .cgroup = claim.cgroup,
					    .console_socket = claim.console_socket,
					    .sync_fd = claim_fd,
					    .status_fd = claim_fd,
					    .vmm_user = p->vmm_user,
					    .vmm_uid = p->vmm_uid,
					    .vmm_gid = p->vmm_gid};
	s.c = &claimed;
	int code = oci_config_parse(claim.config_text, claim.config_len, "config.json", &config,
				    &err) < 0
			   ? 1
			   : pool_create(&s, p->entry_dir, &err);
	if (code != 0) {
		report_parent(&s, code, err != NULL ? err->msg : "create failed");
		error_release(&err);
		pool_end(&s, p->entry_dir);
		return code;
	}
	return run_created(&s);
}
