/* VM creation, the run/stop cycle, and release. */
#include "vmm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "vmm/acpi.h"
#include "vmm/boot.h"
#include "vmm/elf.h"
#include "vmm/layout.h"
#include "vmm/vcpu.h"
#include "vmm/virtio/rng.h"
#include "vmm/lockdown.h"

#define TSS_ADDR	0xfffbd000ul
#define KERNEL_MAX_SIZE (256u << 20)
#define INITRD_MAX_SIZE (2048u << 20)

const char *vm_exit_name(enum vm_exit why)
{
	static const char *const names[] = {
		[VM_RUNNING] = "running",	  [VM_EXIT_RESET] = "reset",
		[VM_EXIT_POWEROFF] = "power off", [VM_EXIT_CRASH] = "guest crashed",
		[VM_EXIT_ERROR] = "VMM error",
	};
	return why >= 0 && why <= VM_EXIT_ERROR ? names[why] : "unknown";
}

void vm_request_stop(struct vm *vm, enum vm_exit why, const char *detail)
{
	int expected = VM_RUNNING;
	if (!atomic_compare_exchange_strong(&vm->exit, &expected, (int)why))
		return;
	snprintf(vm->exit_detail, sizeof(vm->exit_detail), "%s", detail);
	uint64_t one = 1;
	if (write(vm->stop_fd, &one, sizeof(one)) < 0)
		log_warning("vm: cannot signal the stop: %s", strerror(errno));
}

static void on_i8042_reset(void *opaque)
{
	vm_request_stop(opaque, VM_EXIT_RESET, "i8042 reset");
}

/* ISA interrupts are edge-triggered: raise and lower the line. */
static void pulse_irq(void *opaque, unsigned line)
{
	struct vm *vm = opaque;
	struct kvm_irq_level level = {.irq = line, .level = 1};
	ioctl(vm->vm_fd, KVM_IRQ_LINE, &level);
	level.level = 0;
	ioctl(vm->vm_fd, KVM_IRQ_LINE, &level);
}

static int open_kvm(struct vm *vm, const struct vm_host_files *f, struct error **err)
{
	static const struct {
		int cap;
		const char *name;
	} needed[] = {
		{KVM_CAP_IRQCHIP, "IRQCHIP"},
		{KVM_CAP_USER_MEMORY, "USER_MEMORY"},
		{KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR"},
		{KVM_CAP_EXT_CPUID, "EXT_CPUID"},
		{KVM_CAP_PIT2, "PIT2"},
		{KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT"},
		{KVM_CAP_IRQFD, "IRQFD"},
		{KVM_CAP_IOEVENTFD, "IOEVENTFD"},
	};
	vm->kvm_fd = fcntl(f->kvm, F_DUPFD_CLOEXEC, 0);
	if (vm->kvm_fd < 0)
		return error_set(err, errno, "/dev/kvm: dup");
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return error_set_kind(err, ENOTSUP, "/dev/kvm: unsupported KVM API version");
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, needed[i].cap) <= 0)
			return error_set_kind(err, ENOTSUP, "/dev/kvm: no KVM_CAP_%s",
					      needed[i].name);
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return error_set(err, errno, "KVM_CREATE_VM");
	int run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0)
		return error_set(err, errno, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = (size_t)run_size;
	return 0;
}

static int setup_irqchip(struct vm *vm, struct error **err)
{
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, TSS_ADDR) < 0)
		return error_set(err, errno, "KVM_SET_TSS_ADDR");
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return error_set(err, errno, "KVM_CREATE_IRQCHIP");
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return error_set(err, errno, "KVM_CREATE_PIT2");
	return 0;
}

static int setup_memory(struct vm *vm, uint64_t size, struct error **err)
{
	if (guest_memory_create(&vm->mem, size, err) < 0)
		return -1;
	struct kvm_userspace_memory_region low = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = vm->mem.low_size,
		.userspace_addr = (uintptr_t)vm->mem.host,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &low) < 0)
		return error_set(err, errno, "KVM_SET_USER_MEMORY_REGION (low RAM)");
	if (vm->mem.size == vm->mem.low_size)
		return 0;
	struct kvm_userspace_memory_region high = {
		.slot = 1,
		.guest_phys_addr = LAYOUT_HIGH_RAM,
		.memory_size = vm->mem.size - vm->mem.low_size,
		.userspace_addr = (uintptr_t)(vm->mem.host + vm->mem.low_size),
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &high) < 0)
		return error_set(err, errno, "KVM_SET_USER_MEMORY_REGION (high RAM)");
	return 0;
}

static void on_queue_notify(void *opaque, uint32_t events)
{
	struct virtio_notify *n = opaque;
	uint64_t count;
	if (read(n->fd, &count, sizeof(count)) == sizeof(count))
		virtio_mmio_queue_notified(n->transport, n->queue);
}

/* Queue notifications reach the event loop through ioeventfds (no exit
 * to this process), interrupts go in through an irqfd. */
static int wire_eventfds(struct vm *vm, struct virtio_mmio *t, struct error **err)
{
	t->irq_fd = eventfd(0, EFD_CLOEXEC);
	if (t->irq_fd < 0)
		return error_set(err, errno, "%s: eventfd", t->ops->name);
	struct kvm_irqfd irqfd = {.fd = (uint32_t)t->irq_fd, .gsi = t->irq};
	if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
		return error_set(err, errno, "%s: KVM_IRQFD", t->ops->name);
	for (unsigned q = 0; q < t->ops->nr_queues; q++) {
		struct virtio_notify *n = &t->notify[q];
		n->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (n->fd < 0)
			return error_set(err, errno, "%s: eventfd", t->ops->name);
		struct kvm_ioeventfd io = {
			.datamatch = q,
			.addr = t->base + VIRTIO_MMIO_QUEUE_NOTIFY_OFFSET,
			.len = 4,
			.fd = n->fd,
			.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
		};
		if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &io) < 0)
			return error_set(err, errno, "%s: KVM_IOEVENTFD", t->ops->name);
		if (loop_watch(&vm->loop, n->fd, EPOLLIN, on_queue_notify, n, err) < 0)
			return -1;
	}
	return 0;
}

static void close_eventfds(struct virtio_mmio *t)
{
	if (t->irq_fd >= 0)
		close(t->irq_fd);
	t->irq_fd = -1;
	for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++) {
		if (t->notify[q].fd >= 0)
			close(t->notify[q].fd);
		t->notify[q].fd = -1;
	}
}

static int add_virtio(struct vm *vm, const struct virtio_device_ops *ops, void *device,
		      struct virtio_mmio **added, struct error **err)
{
	if (vm->nr_virtio == VIRTIO_MMIO_MAX_DEVICES)
		return error_set_kind(err, ENOSPC, "no room for %s", ops->name);
	unsigned i = vm->nr_virtio;
	struct virtio_mmio *t = &vm->virtio[i];
	virtio_mmio_init(t, ops, device, &vm->mem, LAYOUT_VIRTIO_MMIO + i * VIRTIO_MMIO_SIZE,
			 LAYOUT_VIRTIO_IRQ + i, pulse_irq, vm);
	vm->nr_virtio++;
	if (added != NULL)
		*added = t;
	struct bus_device dev = virtio_mmio_bus_device(t);
	if (bus_register(&vm->mmio, &dev, err) < 0)
		return -1;
	return wire_eventfds(vm, t, err);
}

/* Where the DAX windows start: past RAM, high RAM included. */
static uint64_t dax_base(const struct guest_memory *mem)
{
	uint64_t end = LAYOUT_HIGH_RAM + (mem->size - mem->low_size);
	return (end + LAYOUT_DAX_ALIGN - 1) & ~(LAYOUT_DAX_ALIGN - 1);
}

/* Gives KVM share `i`'s DAX window as a memory slot at `*gpa` and the
 * device its shared memory region there; *gpa moves past it. */
static int place_dax_window(struct vm *vm, unsigned i, struct virtio_mmio *t, uint64_t *gpa,
			    struct error **err)
{
	const struct fuse_dax *d = &vm->fs[i].server.dax;
	struct kvm_userspace_memory_region slot = {
		.slot = LAYOUT_DAX_SLOT + i,
		.guest_phys_addr = *gpa,
		.memory_size = d->size,
		.userspace_addr = (uintptr_t)d->host,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return error_set(err, errno, "KVM_SET_USER_MEMORY_REGION (DAX window of %s)",
				 vm->fs[i].tag);
	virtio_mmio_set_shm(t, *gpa, d->size);
	*gpa += d->size;
	return 0;
}

static void on_dax_tick(void *opaque, uint32_t events)
{
	struct vm *vm = opaque;
	uint64_t ticks;
	if (read(vm->dax_timer, &ticks, sizeof(ticks)) == sizeof(ticks))
		vm_dax_repair(vm);
}

/* The windows' check, each second, for mappings past their file's end
 * (dax.h): the test host's KVM (6.1) did not return EFAULT for such a
 * fault but kept the vCPU in KVM_RUN; it goes on once the page under it is
 * mended. */
static int watch_dax_windows(struct vm *vm, struct error **err)
{
	const struct itimerspec each_second = {{1, 0}, {1, 0}};
	vm->dax_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (vm->dax_timer < 0)
		return error_set(err, errno, "DAX windows: timerfd");
	if (timerfd_settime(vm->dax_timer, 0, &each_second, NULL) < 0)
		return error_set(err, errno, "DAX windows: timerfd_settime");
	return loop_watch(&vm->loop, vm->dax_timer, EPOLLIN, on_dax_tick, vm, err);
}

static int add_shares(struct vm *vm, const struct vm_config *c, struct error **err)
{
	uint64_t dax_gpa = dax_base(&vm->mem);
	bool windows = false;
	if (c->nr_shares > VM_MAX_SHARES)
		return error_set_kind(err, EINVAL, "%u shares: at most %d", c->nr_shares,
				      VM_MAX_SHARES);
	for (unsigned i = 0; i < c->nr_shares; i++) {
		const struct vm_share *share = &c->shares[i];
		struct virtio_fs *fs = &vm->fs[i];
		struct virtio_mmio *t;
		if (virtio_fs_init(fs, share->tag, share->path, share->read_only, share->dax_window,
				   err) < 0)
			return -1;
		vm->nr_fs = i + 1;
		if (add_virtio(vm, &virtio_fs_ops, fs, &t, err) < 0)
			return -1;
		if (share->dax_window > 0) {
			if (place_dax_window(vm, i, t, &dax_gpa, err) < 0)
				return -1;
			windows = true;
		}
		if (virtio_fs_start(fs, t, err) < 0)
			return -1;
	}
	return windows ? watch_dax_windows(vm, err) : 0;
}

static int add_vsock(struct vm *vm, const char *path, struct error **err)
{
	struct virtio_mmio *t;
	if (vsock_init(&vm->vsock, path, err) < 0)
		return -1;
	vm->has_vsock = true;
	if (add_virtio(vm, &virtio_vsock_ops, &vm->vsock, &t, err) < 0)
		return -1;
	return vsock_attach(&vm->vsock, t, &vm->loop, err);
}

static int add_nics(struct vm *vm, const struct vm_config *c, struct error **err)
{
	int ret = 0;
	if (c->nr_nics > VM_MAX_NICS)
		ret = error_set_kind(err, EINVAL, "%u network interfaces: at most %d", c->nr_nics,
				     VM_MAX_NICS);
	for (unsigned i = 0; i < c->nr_nics; i++) {
		const struct vm_nic *nic = &c->nics[i];
		struct virtio_mmio *t;
		/* Each tap is ours from here, used or not. */
		if (ret < 0 || i >= VM_MAX_NICS) {
			close(nic->tap);
			continue;
		}
		if (net_device_init(&vm->nets[i], nic->tap, nic->mac, nic->mtu, err) < 0) {
			close(nic->tap);
			ret = -1;
			continue;
		}
		vm->nr_nets = i + 1;
		if (add_virtio(vm, &virtio_net_ops, &vm->nets[i], &t, err) < 0 ||
		    net_device_attach(&vm->nets[i], t, &vm->loop, err) < 0)
			ret = -1;
	}
	return ret;
}

static int setup_devices(struct vm *vm, const struct vm_config *c, struct error **err)
{
	int serial_fd = c->serial_fd;
	vm->pio.name = "pio";
	vm->mmio.name = "mmio";
	serial_init(&vm->serial, serial_fd, pulse_irq, vm);
	vm->i8042 = (struct i8042){.reset = on_i8042_reset, .opaque = vm};
	struct bus_device devices[] = {
		serial_bus_device(&vm->serial),
		i8042_data_device(&vm->i8042),
		i8042_command_device(&vm->i8042),
	};
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (bus_register(&vm->pio, &devices[i], err) < 0)
			return -1;
	if (add_virtio(vm, &virtio_rng_ops, NULL, NULL, err) < 0)
		return -1;
	if (c->vsock_path != NULL && add_vsock(vm, c->vsock_path, err) < 0)
		return -1;
	if (add_nics(vm, c, err) < 0)
		return -1;
	return add_shares(vm, c, err);
}

/* The whole of a regular file, mapped read-only and private. */
static int map_file(const char *path, size_t max_size, const uint8_t **data, size_t *size,
		    struct error **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "open `%s`", path);
	struct stat st;
	int ret = 0;
	if (fstat(fd, &st) < 0)
		ret = error_set(err, errno, "stat `%s`", path);
	else if (!S_ISREG(st.st_mode) || st.st_size == 0)
		ret = error_set_kind(err, EINVAL, "`%s`: not a file with something in it", path);
	else if ((uint64_t)st.st_size > max_size)
		ret = error_set_kind(err, EFBIG, "`%s`: over %zu MiB", path, max_size >> 20);
	if (ret == 0) {
		void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			ret = error_set(err, errno, "map `%s`", path);
		else {
			*data = map;
			*size = (size_t)st.st_size;
		}
	}
	close(fd);
	return ret;
}

int vm_open_host_files(const struct vm_config *c, struct vm_host_files *f, struct error **err)
{
	*f = (struct vm_host_files){.kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC)};
	if (f->kvm < 0)
		return error_set(err, errno, "open /dev/kvm");
	if (map_file(c->kernel, KERNEL_MAX_SIZE, &f->kernel, &f->kernel_size, err) < 0) {
		vm_host_files_release(f);
		return error_wrap(err, "kernel");
	}
	if (c->initrd != NULL &&
	    map_file(c->initrd, INITRD_MAX_SIZE, &f->initrd, &f->initrd_size, err) < 0) {
		vm_host_files_release(f);
		return error_wrap(err, "initrd");
	}
	return 0;
}

void vm_host_files_release(struct vm_host_files *f)
{
	if (f->kernel != NULL)
		munmap((void *)f->kernel, f->kernel_size);
	if (f->initrd != NULL)
		munmap((void *)f->initrd, f->initrd_size);
	if (f->kvm >= 0)
		close(f->kvm);
	*f = (struct vm_host_files){.kvm = -1};
}

static int load_guest(struct vm *vm, const struct vm_config *c, const struct vm_host_files *f,
		      struct bzimage *image, struct elf_kernel *elf, struct boot_result *boot,
		      struct error **err)
{
	const uint8_t *bytes = f->kernel;
	size_t kernel_size = f->kernel_size;
	bool is_elf = elf_is_elf(bytes, kernel_size);
	if (is_elf ? elf_kernel_parse(bytes, kernel_size, elf, err) < 0
		   : bzimage_parse(bytes, kernel_size, image, err) < 0)
		return error_wrap(err, "%s", c->kernel);
	struct boot_setup setup = {
		.kernel = is_elf ? NULL : image,
		.elf = is_elf ? elf : NULL,
		.initrd = f->initrd,
		.initrd_size = f->initrd_size,
		.cmdline = c->cmdline != NULL ? c->cmdline : "",
	};
	struct acpi_mmio_device devices[VIRTIO_MMIO_MAX_DEVICES];
	for (unsigned i = 0; i < vm->nr_virtio; i++)
		devices[i] = (struct acpi_mmio_device){(uint32_t)vm->virtio[i].base,
						       VIRTIO_MMIO_SIZE, vm->virtio[i].irq};
	struct acpi_config acpi = {
		.vcpus = c->vcpus,
		.com1_port = SERIAL_COM1_PORT,
		.com1_irq = SERIAL_COM1_IRQ,
		.devices = devices,
		.nr_devices = vm->nr_virtio,
	};
	if (acpi_build(&vm->mem, &acpi, &setup.acpi_rsdp, err) < 0)
		return -1;
	return boot_load(&vm->mem, &setup, boot, err);
}

static int create_vcpus(struct vm *vm, unsigned count, const struct boot_result *boot,
			struct error **err)
{
	struct kvm_cpuid2 *cpuid = vcpu_supported_cpuid(vm->kvm_fd, err);
	if (cpuid == NULL)
		return -1;
	int ret = 0;
	for (unsigned i = 0; i < count && ret == 0; i++) {
		vm->nr_vcpus = i + 1;
		ret = vcpu_create(vm, i, cpuid, err);
	}
	free(cpuid);
	if (ret < 0)
		return -1;
	return vcpu_setup_boot(&vm->vcpus[0], boot, err);
}

int vm_create(struct vm *vm, const struct vm_config *c, struct error **err)
{
	struct boot_result boot;
	struct bzimage image;
	struct elf_kernel elf;
	struct vm_host_files own = {.kvm = -1};
	const struct vm_host_files *f = c->files;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->dax_timer = -1;
	vm->loop = (struct event_loop){.epoll_fd = -1, .stop_fd = -1};
	if (loop_init(&vm->loop, err) < 0)
		goto fail;
	vm->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (vm->stop_fd < 0) {
		error_set(err, errno, "eventfd");
		goto fail;
	}
	if (c->vcpus < 1 || c->vcpus > VM_MAX_VCPUS) {
		error_set_kind(err, EINVAL, "vcpus: %u is outside 1 to %d", c->vcpus, VM_MAX_VCPUS);
		goto fail;
	}
	if (f == NULL && vm_open_host_files(c, &own, err) < 0)
		goto fail;
	if (f == NULL)
		f = &own;
	if (open_kvm(vm, f, err) < 0 || setup_irqchip(vm, err) < 0 ||
	    setup_memory(vm, c->memory, err) < 0 || setup_devices(vm, c, err) < 0 ||
	    load_guest(vm, c, f, &image, &elf, &boot, err) < 0 ||
	    create_vcpus(vm, c->vcpus, &boot, err) < 0)
		goto fail;
	vm_host_files_release(&own);
	log_debug("vm: %llu MiB, %u vcpus, kernel entry 0x%llx, initrd at 0x%llx",
		  (unsigned long long)(c->memory >> 20), c->vcpus, (unsigned long long)boot.entry,
		  (unsigned long long)boot.initrd_addr);
	return 0;
fail:
	vm_host_files_release(&own);
	vm_destroy(vm);
	return -1;
}

enum vm_exit vm_run(struct vm *vm, struct error **err)
{
	if (loop_start(&vm->loop, err) < 0)
		vm_request_stop(vm, VM_EXIT_ERROR, (*err)->msg);
	for (unsigned i = 0; i < vm->nr_vcpus && atomic_load(&vm->exit) == VM_RUNNING; i++) {
		if (vcpu_start(&vm->vcpus[i], err) < 0) {
			vm_request_stop(vm, VM_EXIT_ERROR, (*err)->msg);
			break;
		}
	}
	/* After the threads it starts: theirs are not this one's. */
	struct error *lock_err = NULL;
	if (lockdown_thread(LOCKDOWN_VM, &lock_err) < 0) {
		vm_request_stop(vm, VM_EXIT_ERROR, lock_err->msg);
		error_release(&lock_err);
	}
	uint64_t count;
	while (read(vm->stop_fd, &count, sizeof(count)) < 0 && errno == EINTR)
		;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	loop_stop(&vm->loop);
	return (enum vm_exit)atomic_load(&vm->exit);
}

void vm_leave_socket_file(struct vm *vm)
{
	if (vm->has_vsock)
		vm->vsock.keep_socket = true;
}

int vm_export_share(struct vm *vm, unsigned index, const char *path, bool read_only,
		    struct error **err)
{
	if (index >= vm->nr_fs)
		return error_set_kind(err, EINVAL, "export `%s`: the VM has no share %u", path,
				      index);
	return fuse_server_export(&vm->fs[index].server, path, read_only, err);
}

bool vm_dax_repair(struct vm *vm)
{
	bool repaired = false;
	for (unsigned i = 0; i < vm->nr_fs; i++)
		repaired |= fuse_dax_repair(&vm->fs[i].server.dax);
	return repaired;
}

void vm_destroy(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	vm->nr_vcpus = 0;
	/* Stopped first, freed after the devices: they unwatch their fds
	 * from it (freeing it first left them writing freed watches). */
	loop_stop(&vm->loop);
	for (unsigned i = 0; i < vm->nr_fs; i++)
		virtio_fs_destroy(&vm->fs[i]);
	vm->nr_fs = 0;
	if (vm->has_vsock)
		vsock_destroy(&vm->vsock);
	vm->has_vsock = false;
	for (unsigned i = 0; i < vm->nr_nets; i++)
		net_device_destroy(&vm->nets[i]);
	vm->nr_nets = 0;
	loop_destroy(&vm->loop);
	if (vm->dax_timer >= 0)
		close(vm->dax_timer);
	vm->dax_timer = -1;
	for (unsigned i = 0; i < vm->nr_virtio; i++) {
		close_eventfds(&vm->virtio[i]);
		virtio_mmio_destroy(&vm->virtio[i]);
	}
	vm->nr_virtio = 0;
	guest_memory_destroy(&vm->mem);
	if (vm->serial.irq != NULL)
		serial_destroy(&vm->serial);
	vm->serial.irq = NULL;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->stop_fd >= 0)
		close(vm->stop_fd);
	vm->vm_fd = vm->kvm_fd = vm->stop_fd = -1;
}
