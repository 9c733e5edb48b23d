/* vCPU setup for the 64-bit boot entry and the KVM_RUN loop. */
#include "vmm/vcpu.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/layout.h"
#include "vmm/lockdown.h"

#define GDT_CODE64 0xa09bu /* G, L; present, ring 0, code, readable, accessed */
#define GDT_DATA   0xc093u /* G, D/B; present, ring 0, data, writable, accessed */
#define GDT_TSS	   0x808bu /* G; present, busy 64-bit TSS */
#define BOOT_CS	   0x10	   /* the selectors the boot protocol names */
#define BOOT_DS	   0x18
#define BOOT_TSS   0x20

#define CR0_PE	 0x1ull
#define CR0_ET	 0x10ull
#define CR0_PG	 0x80000000ull
#define CR4_PAE	 0x20ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull

#define APIC_LVT_LINT0	 0x350
#define APIC_LVT_LINT1	 0x360
#define APIC_MODE_NMI	 4u
#define APIC_MODE_EXTINT 7u

static int kick_signal(void)
{
	return SIGRTMIN + 2;
}

static uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
	return ((uint64_t)(base & 0xff000000u) << 32) | ((uint64_t)(flags & 0xf0ffu) << 40) |
	       ((uint64_t)(limit & 0x000f0000u) << 32) | ((uint64_t)(base & 0x00ffffffu) << 16) |
	       (uint64_t)(limit & 0x0000ffffu);
}

/* The hidden part of a segment register, as the CPU would load it from
 * this descriptor. */
static struct kvm_segment segment_from(uint64_t entry, uint16_t selector)
{
	uint32_t limit = (uint32_t)((entry & 0xffff) | ((entry >> 32) & 0xf0000));
	bool granular = (entry >> 55) & 1;
	struct kvm_segment s = {
		.base = ((entry >> 16) & 0xffffff) | (((entry >> 56) & 0xff) << 24),
		.limit = granular ? (limit << 12) | 0xfff : limit,
		.selector = selector,
		.type = (entry >> 40) & 0xf,
		.present = (entry >> 47) & 1,
		.dpl = (entry >> 45) & 3,
		.db = (entry >> 54) & 1,
		.s = (entry >> 44) & 1,
		.l = (entry >> 53) & 1,
		.g = granular,
		.avl = (entry >> 52) & 1,
	};
	s.unusable = !s.present;
	return s;
}

static int set_sregs(struct vcpu *v, struct error **err)
{
	uint64_t gdt[5] = {
		0,
		0,
		gdt_entry(GDT_CODE64, 0, 0xfffff),
		gdt_entry(GDT_DATA, 0, 0xfffff),
		gdt_entry(GDT_TSS, 0, 0xfffff),
	};
	struct kvm_sregs sregs;

	memcpy(guest_memory_ptr(&v->vm->mem, LAYOUT_GDT, sizeof(gdt)), gdt, sizeof(gdt));
	memset(guest_memory_ptr(&v->vm->mem, LAYOUT_IDT, 8), 0, 8);
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return error_set(err, errno, "vcpu %u: KVM_GET_SREGS", v->index);
	sregs.gdt.base = LAYOUT_GDT;
	sregs.gdt.limit = sizeof(gdt) - 1;
	sregs.idt.base = LAYOUT_IDT;
	sregs.idt.limit = 7;
	sregs.cs = segment_from(gdt[2], BOOT_CS);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = segment_from(gdt[3], BOOT_DS);
	sregs.tr = segment_from(gdt[4], BOOT_TSS);
	sregs.cr3 = LAYOUT_PML4;
	sregs.cr4 |= CR4_PAE;
	sregs.cr0 |= CR0_PE | CR0_ET | CR0_PG;
	sregs.efer |= EFER_LME | EFER_LMA;
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		return error_set(err, errno, "vcpu %u: KVM_SET_SREGS", v->index);
	return 0;
}

static int set_msrs(struct vcpu *v, struct error **err)
{
	static const struct {
		uint32_t index;
		uint64_t value;
	} boot_msrs[] = {
		{0x174, 0},		  /* SYSENTER_CS */
		{0x175, 0},		  /* SYSENTER_ESP */
		{0x176, 0},		  /* SYSENTER_EIP */
		{0xc0000081, 0},	  /* STAR */
		{0xc0000082, 0},	  /* LSTAR */
		{0xc0000083, 0},	  /* CSTAR */
		{0xc0000084, 0},	  /* SYSCALL_MASK */
		{0xc0000102, 0},	  /* KERNEL_GS_BASE */
		{0x10, 0},		  /* TSC */
		{0x1a0, 1},		  /* MISC_ENABLE: fast strings */
		{0x2ff, (1u << 11) | 6u}, /* MTRRdefType: enabled, write-back */
	};
	enum { N = sizeof(boot_msrs) / sizeof(boot_msrs[0]) };
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entries[N];
	} msrs = {.header.nmsrs = N};

	for (unsigned i = 0; i < N; i++)
		msrs.entries[i] = (struct kvm_msr_entry){.index = boot_msrs[i].index,
							 .data = boot_msrs[i].value};
	int set = ioctl(v->fd, KVM_SET_MSRS, &msrs);
	if (set < 0)
		return error_set(err, errno, "vcpu %u: KVM_SET_MSRS", v->index);
	if (set != N)
		return error_set_kind(err, EINVAL, "vcpu %u: KVM refused MSR 0x%x", v->index,
				      boot_msrs[set].index);
	return 0;
}

/* LINT0 takes the legacy PIC's interrupts (virtual wire), LINT1 NMIs. */
static int set_lapic(struct vcpu *v, struct error **err)
{
	struct kvm_lapic_state lapic;
	if (ioctl(v->fd, KVM_GET_LAPIC, &lapic) < 0)
		return error_set(err, errno, "vcpu %u: KVM_GET_LAPIC", v->index);
	uint32_t lint0, lint1;
	memcpy(&lint0, lapic.regs + APIC_LVT_LINT0, 4);
	memcpy(&lint1, lapic.regs + APIC_LVT_LINT1, 4);
	lint0 = (lint0 & ~0x700u) | (APIC_MODE_EXTINT << 8);
	lint1 = (lint1 & ~0x700u) | (APIC_MODE_NMI << 8);
	memcpy(lapic.regs + APIC_LVT_LINT0, &lint0, 4);
	memcpy(lapic.regs + APIC_LVT_LINT1, &lint1, 4);
	if (ioctl(v->fd, KVM_SET_LAPIC, &lapic) < 0)
		return error_set(err, errno, "vcpu %u: KVM_SET_LAPIC", v->index);
	return 0;
}

static int set_cpuid(struct vcpu *v, const struct kvm_cpuid2 *supported, struct error **err)
{
	size_t size = sizeof(*supported) + supported->nent * sizeof(supported->entries[0]);
	struct kvm_cpuid2 *cpuid = malloc(size);
	if (cpuid == NULL)
		return error_set(err, ENOMEM, "vcpu %u: CPUID", v->index);
	memcpy(cpuid, supported, size);
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
		if (e->function == 1) {
			e->ebx = (e->ebx & 0x00ffffffu) | (v->index << 24); /* APIC id */
			e->ecx |= 1u << 31;				    /* hypervisor */
		}
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = v->index; /* x2APIC id */
	}
	int ret = ioctl(v->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	if (ret < 0)
		return error_set(err, errno, "vcpu %u: KVM_SET_CPUID2", v->index);
	return 0;
}

struct kvm_cpuid2 *vcpu_supported_cpuid(int kvm_fd, struct error **err)
{
	for (uint32_t n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *cpuid =
			calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
		if (cpuid == NULL)
			break;
		cpuid->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			return cpuid;
		int saved = errno;
		free(cpuid);
		if (saved != E2BIG) {
			error_set(err, saved, "KVM_GET_SUPPORTED_CPUID");
			return NULL;
		}
	}
	error_set(err, ENOMEM, "KVM_GET_SUPPORTED_CPUID");
	return NULL;
}

int vcpu_create(struct vm *vm, unsigned index, const struct kvm_cpuid2 *cpuid, struct error **err)
{
	struct vcpu *v = &vm->vcpus[index];
	*v = (struct vcpu){.vm = vm, .index = index, .fd = -1};
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0)
		return error_set(err, errno, "KVM_CREATE_VCPU %u", index);
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return error_set(err, errno, "vcpu %u: map kvm_run", index);
	}
	if (set_cpuid(v, cpuid, err) < 0 || set_msrs(v, err) < 0 || set_lapic(v, err) < 0)
		return -1;
	return 0;
}

int vcpu_setup_boot(struct vcpu *v, const struct boot_result *boot, struct error **err)
{
	struct kvm_regs regs = {
		.rflags = 0x2,
		.rip = boot->entry,
		.rsp = LAYOUT_BOOT_STACK,
		.rbp = LAYOUT_BOOT_STACK,
		.rsi = boot->zero_page,
	};
	struct kvm_fpu fpu = {.fcw = 0x37f, .mxcsr = 0x1f80};

	if (set_sregs(v, err) < 0)
		return -1;
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return error_set(err, errno, "vcpu %u: KVM_SET_REGS", v->index);
	if (ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		return error_set(err, errno, "vcpu %u: KVM_SET_FPU", v->index);
	return 0;
}

static void describe_crash(struct vcpu *v, const char *what)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	char detail[sizeof(v->vm->exit_detail)];
	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
		snprintf(detail, sizeof(detail), "vcpu %u: %s (registers unreadable)", v->index,
			 what);
	} else {
		snprintf(detail, sizeof(detail),
			 "vcpu %u: %s: rip=0x%llx rsp=0x%llx rflags=0x%llx cr0=0x%llx cr2=0x%llx "
			 "cr3=0x%llx cr4=0x%llx efer=0x%llx cs=0x%x",
			 v->index, what, r.rip, r.rsp, r.rflags, s.cr0, s.cr2, s.cr3, s.cr4, s.efer,
			 s.cs.selector);
	}
	vm_request_stop(v->vm, VM_EXIT_CRASH, detail);
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
		if (run->io.direction == KVM_EXIT_IO_OUT)
			bus_write(&v->vm->pio, run->io.port, data, run->io.size);
		else
			bus_read(&v->vm->pio, run->io.port, data, run->io.size);
	}
}

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint32_t len = run->mmio.len <= 8 ? run->mmio.len : 8;
	if (run->mmio.is_write)
		bus_write(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, len);
	else
		bus_read(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, len);
}

static void handle_system_event(struct vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_stop(v->vm, VM_EXIT_RESET, "system reset");
		return;
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_stop(v->vm, VM_EXIT_POWEROFF, "system shutdown");
		return;
	default:
		describe_crash(v, "system event: crash");
		return;
	}
}

static void handle_exit(struct vcpu *v)
{
	char what[96];
	switch (v->run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(v);
		return;
	case KVM_EXIT_MMIO:
		handle_mmio(v);
		return;
	case KVM_EXIT_HLT:
		vm_request_stop(v->vm, VM_EXIT_POWEROFF, "halted");
		return;
	case KVM_EXIT_SHUTDOWN:
		describe_crash(v, "triple fault");
		return;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_system_event(v);
		return;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "entry failed (hardware reason 0x%llx)",
			 (unsigned long long)v->run->fail_entry.hardware_entry_failure_reason);
		describe_crash(v, what);
		return;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what), "KVM internal error %u", v->run->internal.suberror);
		describe_crash(v, what);
		return;
	default:
		snprintf(what, sizeof(what), "unexpected exit reason %u", v->run->exit_reason);
		describe_crash(v, what);
		return;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	sigset_t kick;
	struct error *err = NULL;
	sigemptyset(&kick);
	sigaddset(&kick, kick_signal());
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	if (lockdown_thread(LOCKDOWN_VCPU, &err) < 0) {
		vm_request_stop(v->vm, VM_EXIT_ERROR, err->msg);
		error_release(&err);
		return NULL;
	}

	while (atomic_load(&v->vm->exit) == VM_RUNNING) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			char detail[96];
			snprintf(detail, sizeof(detail), "vcpu %u: KVM_RUN: %s", v->index,
				 strerror(errno));
			vm_request_stop(v->vm, VM_EXIT_ERROR, detail);
			break;
		}
		handle_exit(v);
	}
	return NULL;
}

static void on_kick(int sig)
{
	(void)sig; /* only interrupts KVM_RUN */
}

int vcpu_start(struct vcpu *v, struct error **err)
{
	static bool handler_installed;
	if (!handler_installed) {
		struct sigaction sa = {.sa_handler = on_kick}; /* no SA_RESTART */
		sigemptyset(&sa.sa_mask);
		if (sigaction(kick_signal(), &sa, NULL) < 0)
			return error_set(err, errno, "install the vCPU kick signal");
		handler_installed = true;
	}
	int ret = pthread_create(&v->thread, NULL, vcpu_thread, v);
	if (ret != 0)
		return error_set(err, ret, "start vcpu %u", v->index);
	v->started = true;
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	if (!v->started)
		return;
	v->run->immediate_exit = 1;
	pthread_kill(v->thread, kick_signal());
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->started)
		pthread_join(v->thread, NULL);
	v->started = false;
	if (v->run != NULL)
		munmap(v->run, v->vm->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
}
