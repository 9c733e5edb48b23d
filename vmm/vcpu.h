/* vCPUs: the register state for the Linux 64-bit entry, CPUID and MSRs,
 * and the thread that runs KVM_RUN and hands exits to the buses. */
#ifndef VRUN_VMM_VCPU_H
#define VRUN_VMM_VCPU_H

#include "vmm/boot.h"
#include "vmm/vm.h"

int vcpu_create(struct vm *vm, unsigned index, const struct kvm_cpuid2 *cpuid, struct error **err);

/* The boot vCPU starts at the kernel's entry; the others wait for INIT/SIPI
 * from the guest. */
int vcpu_setup_boot(struct vcpu *vcpu, const struct boot_result *boot, struct error **err);

int vcpu_start(struct vcpu *vcpu, struct error **err);

/* Makes a running vCPU leave KVM_RUN promptly. */
void vcpu_kick(struct vcpu *vcpu);

void vcpu_destroy(struct vcpu *vcpu);

/* The host-supported CPUID, for vcpu_create to adjust per vCPU. */
struct kvm_cpuid2 *vcpu_supported_cpuid(int kvm_fd, struct error **err);

#endif
