/* Proof that KVM works where tests/vmhost/run puts us: a VM with 2 MiB of
 * memory and one vCPU in 64-bit long mode runs
 *     mov rax, 0x1122334455667788; shr rax, 56; out 0x10, al
 *     mov al, 0x42; out 0x10, al; hlt
 * and the exits must be OUT 0x11 (only right if 64-bit registers work),
 * OUT 0x42, then HLT. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM_SIZE  (2u << 20)
#define PML4_ADDR 0x1000
#define PDPT_ADDR 0x2000
#define PD_ADDR	  0x3000
#define CODE_ADDR 0x8000
#define PORT	  0x10

static const uint8_t code[] = {
	0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* mov rax, imm64 */
	0x48, 0xc1, 0xe8, 0x38,					    /* shr rax, 56 */
	0xe6, PORT,						    /* out PORT, al */
	0xb0, 0x42,						    /* mov al, 0x42 */
	0xe6, PORT,						    /* out PORT, al */
	0xf4,							    /* hlt */
};

static int fail(const char *what)
{
	fprintf(stderr, "kvm_smoke: %s: %s\n", what, strerror(errno));
	return 1;
}

static void identity_map(uint8_t *mem)
{
	uint64_t *pml4 = (uint64_t *)(mem + PML4_ADDR);
	uint64_t *pdpt = (uint64_t *)(mem + PDPT_ADDR);
	uint64_t *pd = (uint64_t *)(mem + PD_ADDR);
	pml4[0] = PDPT_ADDR | 0x3; /* present, writable */
	pdpt[0] = PD_ADDR | 0x3;
	pd[0] = 0x0 | 0x83; /* present, writable, 2 MiB page */
}

static void long_mode_sregs(struct kvm_sregs *s)
{
	struct kvm_segment cs = {.base = 0,
				 .limit = 0xffffffff,
				 .selector = 8,
				 .type = 11,
				 .present = 1,
				 .dpl = 0,
				 .db = 0,
				 .s = 1,
				 .l = 1,
				 .g = 1};
	struct kvm_segment data = cs;
	data.selector = 16;
	data.type = 3;
	data.l = 0;
	data.db = 1;
	s->cs = cs;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->cr3 = PML4_ADDR;
	s->cr4 = 1u << 5;		  /* PAE */
	s->cr0 = 0x80000001u | (1u << 5); /* PG, PE, NE */
	s->efer = (1u << 8) | (1u << 10); /* LME, LMA */
}

static int expect_out(struct kvm_run *run, uint8_t want)
{
	if (run->exit_reason != KVM_EXIT_IO || run->io.direction != KVM_EXIT_IO_OUT ||
	    run->io.port != PORT || run->io.size != 1) {
		fprintf(stderr, "kvm_smoke: expected OUT to port 0x%x, got exit reason %u\n", PORT,
			run->exit_reason);
		return 1;
	}
	uint8_t got = *((uint8_t *)run + run->io.data_offset);
	if (got != want) {
		fprintf(stderr, "kvm_smoke: OUT 0x%02x, expected 0x%02x\n", got, want);
		return 1;
	}
	return 0;
}

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("open /dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return fail("KVM_GET_API_VERSION");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	uint8_t *mem =
		mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap guest memory");
	identity_map(mem);
	memcpy(mem + CODE_ADDR, code, sizeof(code));
	struct kvm_userspace_memory_region region = {.slot = 0,
						     .guest_phys_addr = 0,
						     .memory_size = MEM_SIZE,
						     .userspace_addr = (uintptr_t)mem};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run =
		mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run_size < 0 || run == MAP_FAILED)
		return fail("mmap kvm_run");

	struct kvm_sregs sregs;
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return fail("KVM_GET_SREGS");
	long_mode_sregs(&sregs);
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return fail("KVM_SET_SREGS");
	struct kvm_regs regs = {.rip = CODE_ADDR, .rsp = 0x7000, .rflags = 0x2};
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return fail("KVM_SET_REGS");

	static const uint8_t outs[] = {0x11, 0x42};
	for (size_t i = 0; i < sizeof(outs); i++) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			return fail("KVM_RUN");
		if (expect_out(run, outs[i]) != 0)
			return 1;
	}
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return fail("KVM_RUN");
	if (run->exit_reason != KVM_EXIT_HLT) {
		fprintf(stderr, "kvm_smoke: expected HLT, got exit reason %u\n", run->exit_reason);
		return 1;
	}
	printf("kvm_smoke: 64-bit guest ran: out 0x11, out 0x42, hlt\n");
	return 0;
}
