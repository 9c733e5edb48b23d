/* The shape of a container's microVM (README.md "Resources"): guest
 * memory, vCPUs, kernel and extra kernel arguments, from config.json.
 *
 *  - memory: linux.resources.memory.limit minus VM_SHAPE_OVERHEAD (what
 *    the VMM itself and the guest's page tables and devices cost the
 *    host), rounded down to 2 MiB; no limit (or -1) means
 *    VM_SHAPE_DEFAULT_MEMORY.  A limit that leaves less than the smallest
 *    guest is refused.
 *  - vCPUs: ceil(cpu.quota / cpu.period) (period 100 ms when absent), or
 *    the number of CPUs in cpu.cpus, the smaller when both are given, at
 *    most the host's CPUs and VM_MAX_VCPUS; 1 by default.
 *  - annotations override both: io.vrun.memory_mib, io.vrun.vcpus,
 *    io.vrun.kernel (a kernel image on the host; its modules are looked for
 *    beside it as for the default kernel), io.vrun.kernel_cmdline
 *    (appended to vrun's own kernel arguments), io.vrun.virtiofs_dax
 *    ("true" or "false": a DAX window for the rootfs share; off by
 *    default, docs/performance.md "DAX"). */
#ifndef VRUN_RUNTIME_VM_SHAPE_H
#define VRUN_RUNTIME_VM_SHAPE_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/protocol.h" /* ANNOTATION_VIRTIOFS_DAX */
#include "common/error.h"
#include "oci-spec/config.h"

#define VM_SHAPE_DEFAULT_MEMORY (256ull << 20)
#define VM_SHAPE_OVERHEAD	(16ull << 20)
#define VM_SHAPE_CMDLINE_MAX	1024 /* bytes of io.vrun.kernel_cmdline */

#define ANNOTATION_MEMORY_MIB "io.vrun.memory_mib"
#define ANNOTATION_VCPUS      "io.vrun.vcpus"
#define ANNOTATION_KERNEL     "io.vrun.kernel"
#define ANNOTATION_CMDLINE    "io.vrun.kernel_cmdline"

struct vm_shape {
	uint64_t memory; /* guest RAM, bytes */
	unsigned vcpus;
	const char *kernel;	   /* NULL: the default search; points into the config */
	const char *cmdline_extra; /* NULL or points into the config */
	bool dax;		   /* the rootfs share has a DAX window */
};

/* Fills `shape` from `config` on a host with `host_cpus` CPUs; an error
 * names the field or annotation and the value refused. */
int vm_shape_from_config(const struct oci_config *config, unsigned host_cpus,
			 struct vm_shape *shape, struct error **err);
/* This host's online CPUs (0 when unknown). */
unsigned vm_shape_host_cpus(void);

#define VM_SHAPE_FILE "shape" /* in the state dir: "<memory bytes> <vcpus>" */

/* The shape the VM booted with, kept in its state directory for `update`
 * (the bundle may change after create); memory and vcpus only. */
int vm_shape_record(int state_dirfd, const struct vm_shape *shape, struct error **err);
int vm_shape_recorded(int state_dirfd, struct vm_shape *shape, struct error **err);

#endif
