/* A KVM virtual machine: guest memory, the in-kernel interrupt
 * controllers and PIT, the port and MMIO buses with their devices, vCPU
 * threads, and one stop path: whatever ends the guest (a reset, a power
 * off, a crash, an error) records why, once, and every vCPU is stopped. */
#ifndef VRUN_VMM_VM_H
#define VRUN_VMM_VM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "common/error.h"
#include "vmm/bus.h"
#include "vmm/hw/i8042.h"
#include "vmm/hw/serial.h"
#include "vmm/loop.h"
#include "vmm/memory.h"
#include "vmm/virtio/fs/device.h"
#include "vmm/virtio/mmio.h"
#include "vmm/virtio/net.h"
#include "vmm/virtio/vsock.h"

#define VM_MAX_VCPUS		32
#define VIRTIO_MMIO_MAX_DEVICES 16
#define VM_MAX_SHARES		4
#define VM_MAX_NICS		4

enum vm_exit {
	VM_RUNNING = 0,
	VM_EXIT_RESET,	  /* the guest rebooted: for a microVM, the end */
	VM_EXIT_POWEROFF, /* the guest powered off */
	VM_EXIT_CRASH,	  /* triple fault, or KVM could not go on */
	VM_EXIT_ERROR,	  /* the VMM failed */
};

/* What vm_create reaches by host paths, taken before it
 * (vm_open_host_files) by a caller whose paths will be gone by then
 * (runtime/vmm_root.h): the kernel's and initrd's bytes, mapped read-only
 * (no copy, and the page cache's pages are shared by every VM), /dev/kvm. */
struct vm_host_files {
	const uint8_t *kernel, *initrd; /* NULL: none */
	size_t kernel_size, initrd_size;
	int kvm; /* -1: none */
};

struct vm_config {
	uint64_t memory; /* bytes */
	unsigned vcpus;
	const char *kernel;		   /* bzImage or ELF vmlinux path */
	const char *initrd;		   /* NULL for none */
	const struct vm_host_files *files; /* taken already; NULL: open the paths */
	const char *cmdline;
	int serial_fd;		/* where the guest's ttyS0 output goes; -1 drops it */
	const char *vsock_path; /* the vsock device's host socket; NULL for none */
	struct vm_share {
		const char *tag, *path; /* path NULL: exported later (vm_export_share) */
		bool read_only;
		uint64_t dax_window; /* bytes of DAX window (virtio/fs/dax.h); 0: none */
	} shares[VM_MAX_SHARES];     /* virtio-fs exports */
	unsigned nr_shares;
	struct vm_nic {
		int tap; /* the VM takes it (closes it), made or not */
		uint8_t mac[6];
		uint16_t mtu;
	} nics[VM_MAX_NICS]; /* virtio-net devices, eth0 first */
	unsigned nr_nics;
};

struct vcpu {
	struct vm *vm;
	unsigned index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
};

struct vm {
	int kvm_fd;
	int vm_fd;
	int stop_fd; /* eventfd: written once the VM must stop */
	size_t run_size;
	struct guest_memory mem;
	struct bus pio;
	struct bus mmio;
	struct serial serial;
	struct i8042 i8042;
	struct event_loop loop;
	struct virtio_mmio virtio[VIRTIO_MMIO_MAX_DEVICES];
	unsigned nr_virtio;
	struct vsock_device vsock;
	bool has_vsock;
	struct net_device nets[VM_MAX_NICS];
	unsigned nr_nets;
	struct virtio_fs fs[VM_MAX_SHARES];
	unsigned nr_fs;
	int dax_timer; /* timerfd: the DAX windows' check (vm.c), or -1 */
	struct vcpu vcpus[VM_MAX_VCPUS];
	unsigned nr_vcpus;
	_Atomic int exit;      /* enum vm_exit; the first reason wins */
	char exit_detail[512]; /* what a crash or error looked like */
};

/* Creates the VM and loads the kernel; nothing runs yet.  On failure the
 * VM is released. */
int vm_create(struct vm *vm, const struct vm_config *config, struct error **err);

/* Maps config's kernel and initrd into `files` and opens /dev/kvm (vm_create
 * uses a copy of that fd); 0, or -1 and why with nothing held. */
int vm_open_host_files(const struct vm_config *config, struct vm_host_files *files,
		       struct error **err);
void vm_host_files_release(struct vm_host_files *files);

/* Starts the vCPUs and waits until the guest ends; returns why. */
enum vm_exit vm_run(struct vm *vm, struct error **err);

/* Asks the VM to stop for this reason (the first reason wins). */
void vm_request_stop(struct vm *vm, enum vm_exit why, const char *detail);

void vm_destroy(struct vm *vm);
/* vm_destroy leaves the vsock device's socket file in place: the caller's
 * thread no longer sees it (lockdown.h), and `delete` removes it. */
void vm_leave_socket_file(struct vm *vm);
/* Gives share `index`, made without a path, the directory it exports,
 * while the VM runs. */
int vm_export_share(struct vm *vm, unsigned index, const char *path, bool read_only,
		    struct error **err);

/* After KVM_RUN's EFAULT, and each second: true when a DAX window was
 * mended (fuse_dax_repair) and a vCPU stuck on it may run again. */
bool vm_dax_repair(struct vm *vm);

const char *vm_exit_name(enum vm_exit why);

#endif
