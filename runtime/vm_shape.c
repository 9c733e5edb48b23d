#include "runtime/vm_shape.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fs.h"
#include "vmm/layout.h"
#include "vmm/vm.h"

#define MIB	     (1ull << 20)
#define MEMORY_ALIGN (2 * MIB)

/* A decimal number in [min, max], all of `text`. */
static int parse_count(const char *what, const char *text, uint64_t min, uint64_t max,
		       uint64_t *out, struct error **err)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (!isdigit((unsigned char)text[0]) || *end != '\0' || errno != 0 || v < min || v > max)
		return error_set_kind(err, EINVAL, "%s: '%s' is not a number from %llu to %llu",
				      what, text, (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

/* CPUs in a cpuset list ("0-3,6"). */
static int count_cpus(const char *list, unsigned *count, struct error **err)
{
	unsigned n = 0;
	const char *p = list;
	while (*p != '\0') {
		char *end;
		errno = 0;
		unsigned long first = strtoul(p, &end, 10), last = first;
		if (!isdigit((unsigned char)*p) || errno != 0)
			goto bad;
		if (*end == '-') {
			p = end + 1;
			last = strtoul(p, &end, 10);
			if (!isdigit((unsigned char)*p) || errno != 0 || last < first)
				goto bad;
		}
		if (last - first >= 65536 || n + (last - first + 1) > 65536)
			goto bad;
		n += (unsigned)(last - first + 1);
		if (*end == ',' && end[1] != '\0')
			end++;
		else if (*end != '\0')
			goto bad;
		p = end;
	}
	if (n == 0)
		goto bad;
	*count = n;
	return 0;
bad:
	return error_set_kind(err, EINVAL, "linux.resources.cpu.cpus: '%s' is not a CPU list",
			      list);
}

static int memory_from_limit(int64_t limit, uint64_t *memory, struct error **err)
{
	uint64_t l = (uint64_t)limit;
	uint64_t guest = l > VM_SHAPE_OVERHEAD ? (l - VM_SHAPE_OVERHEAD) & ~(MEMORY_ALIGN - 1) : 0;
	if (guest < LAYOUT_MIN_MEMORY)
		return error_set_kind(
			err, EINVAL,
			"linux.resources.memory.limit: %lld bytes is too small for a "
			"microVM: at least %llu MiB (a %llu MiB guest and %llu MiB "
			"for the VMM)",
			(long long)limit,
			(unsigned long long)((LAYOUT_MIN_MEMORY + VM_SHAPE_OVERHEAD) / MIB),
			(unsigned long long)(LAYOUT_MIN_MEMORY / MIB),
			(unsigned long long)(VM_SHAPE_OVERHEAD / MIB));
	*memory = guest < LAYOUT_MAX_MEMORY ? guest : LAYOUT_MAX_MEMORY;
	return 0;
}

static int vcpus_from_cpu(const struct oci_cpu *cpu, unsigned host_cpus, unsigned *vcpus,
			  struct error **err)
{
	unsigned n = 0;
	if (cpu->quota.set && cpu->quota.value > 0) {
		uint64_t period =
			cpu->period.set && cpu->period.value > 0 ? cpu->period.value : 100000;
		uint64_t q = (uint64_t)cpu->quota.value;
		uint64_t want = q / period + (q % period != 0);
		n = want > VM_MAX_VCPUS ? VM_MAX_VCPUS : (unsigned)want;
	}
	if (cpu->cpus != NULL && cpu->cpus[0] != '\0') {
		unsigned in_set = 0;
		if (count_cpus(cpu->cpus, &in_set, err) < 0)
			return -1;
		if (n == 0 || in_set < n)
			n = in_set;
	}
	if (n == 0)
		return 0; /* nothing said: the default */
	if (host_cpus > 0 && n > host_cpus)
		n = host_cpus;
	*vcpus = n > VM_MAX_VCPUS ? VM_MAX_VCPUS : n;
	return 0;
}

int vm_shape_from_config(const struct oci_config *config, unsigned host_cpus,
			 struct vm_shape *shape, struct error **err)
{
	*shape = (struct vm_shape){.memory = VM_SHAPE_DEFAULT_MEMORY, .vcpus = 1};
	const struct oci_resources *r = config->linux_ != NULL ? config->linux_->resources : NULL;
	if (r != NULL && r->memory != NULL && r->memory->limit.set && r->memory->limit.value > 0 &&
	    memory_from_limit(r->memory->limit.value, &shape->memory, err) < 0)
		return -1;
	if (r != NULL && r->cpu != NULL &&
	    vcpus_from_cpu(r->cpu, host_cpus, &shape->vcpus, err) < 0)
		return -1;

	const struct oci_strmap *a = &config->annotations;
	const char *v;
	uint64_t n;
	if ((v = oci_strmap_get(a, ANNOTATION_MEMORY_MIB)) != NULL) {
		if (parse_count("annotation " ANNOTATION_MEMORY_MIB, v, LAYOUT_MIN_MEMORY / MIB,
				LAYOUT_MAX_MEMORY / MIB, &n, err) < 0)
			return -1;
		shape->memory = (n * MIB) & ~(MEMORY_ALIGN - 1);
	}
	if ((v = oci_strmap_get(a, ANNOTATION_VCPUS)) != NULL) {
		if (parse_count("annotation " ANNOTATION_VCPUS, v, 1, VM_MAX_VCPUS, &n, err) < 0)
			return -1;
		shape->vcpus = (unsigned)n;
	}
	if ((v = oci_strmap_get(a, ANNOTATION_KERNEL)) != NULL) {
		if (v[0] != '/')
			return error_set_kind(err, EINVAL,
					      "annotation " ANNOTATION_KERNEL
					      ": '%s' is not an absolute path",
					      v);
		shape->kernel = v;
	}
	if ((v = oci_strmap_get(a, ANNOTATION_CMDLINE)) != NULL && v[0] != '\0') {
		size_t len = strlen(v);
		for (size_t i = 0; i < len; i++)
			if (!isprint((unsigned char)v[i]))
				return error_set_kind(err, EINVAL,
						      "annotation " ANNOTATION_CMDLINE
						      ": byte %zu is not printable",
						      i);
		if (len > VM_SHAPE_CMDLINE_MAX)
			return error_set_kind(err, EINVAL,
					      "annotation " ANNOTATION_CMDLINE
					      ": %zu bytes, at most %d",
					      len, VM_SHAPE_CMDLINE_MAX);
		shape->cmdline_extra = v;
	}
	if ((v = oci_strmap_get(a, ANNOTATION_VIRTIOFS_DAX)) != NULL) {
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
			return error_set_kind(err, EINVAL,
					      "annotation " ANNOTATION_VIRTIOFS_DAX
					      ": '%s' is not true or false",
					      v);
		shape->dax = strcmp(v, "true") == 0;
	}
	return 0;
}

unsigned vm_shape_host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 0;
}

int vm_shape_record(int state_dirfd, const struct vm_shape *shape, struct error **err)
{
	char text[64];
	int n = snprintf(text, sizeof(text), "%llu %u\n", (unsigned long long)shape->memory,
			 shape->vcpus);
	return fs_write_file_atomic(state_dirfd, VM_SHAPE_FILE, text, (size_t)n, 0600, err);
}

int vm_shape_recorded(int state_dirfd, struct vm_shape *shape, struct error **err)
{
	char *text;
	unsigned long long memory;
	unsigned vcpus;
	char end;
	if (fs_read_file_at(state_dirfd, VM_SHAPE_FILE, VM_SHAPE_FILE, 64, &text, NULL, err) < 0)
		return -1;
	int fields = sscanf(text, "%llu %u%c", &memory, &vcpus, &end);
	free(text);
	if (fields != 3 || end != '\n' || memory == 0 || vcpus == 0)
		return error_set_kind(err, EINVAL, "%s: not a recorded VM shape", VM_SHAPE_FILE);
	*shape = (struct vm_shape){.memory = memory, .vcpus = vcpus};
	return 0;
}
