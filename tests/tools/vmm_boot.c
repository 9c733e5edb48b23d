/* vmm_boot: boots a kernel in vrun's VMM with the guest's serial console on
 * stdout, for the test host's integration tests (and for people debugging
 * the VMM).  Exits 0 when the guest resets or powers off, 2 when it
 * crashes (registers on stderr), 1 on a VMM error.
 *
 *   vmm_boot --kernel K [--initrd I] [--cmdline S] [--memory MiB] [--vcpus N] */
#include <getopt.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/vm.h"

/* Resident guest pages, and the process's resident set, in KiB: their
 * difference is what the VMM itself costs. */
static long guest_resident_kib(const struct guest_memory *mem)
{
	size_t pages = mem->size / 4096;
	unsigned char *vec = malloc(pages);
	long resident = 0;
	if (vec == NULL || mincore(mem->host, mem->size, vec) < 0) {
		free(vec);
		return -1;
	}
	for (size_t i = 0; i < pages; i++)
		resident += vec[i] & 1;
	free(vec);
	return resident * 4;
}

static long process_resident_kib(void)
{
	long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");
	if (f != NULL) {
		if (fscanf(f, "%ld %ld", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"kernel", required_argument, NULL, 'k'},  {"initrd", required_argument, NULL, 'i'},
		{"cmdline", required_argument, NULL, 'c'}, {"memory", required_argument, NULL, 'm'},
		{"vcpus", required_argument, NULL, 'n'},   {0},
	};
	struct vm_config config = {
		.memory = 256ull << 20,
		.vcpus = 1,
		.cmdline = "console=ttyS0 reboot=k panic=-1",
		.serial_fd = STDOUT_FILENO,
	};
	struct error *err = NULL;
	struct vm vm;
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'k':
			config.kernel = optarg;
			break;
		case 'i':
			config.initrd = optarg;
			break;
		case 'c':
			config.cmdline = optarg;
			break;
		case 'm':
			config.memory = strtoull(optarg, NULL, 10) << 20;
			break;
		case 'n':
			config.vcpus = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			return 1;
		}
	}
	if (config.kernel == NULL) {
		fprintf(stderr,
			"usage: vmm_boot --kernel K [--initrd I] [--cmdline S] [--memory MiB] "
			"[--vcpus N]\n");
		return 1;
	}
	double start = now();
	if (vm_create(&vm, &config, &err) < 0) {
		log_error_report(err);
		error_release(&err);
		return 1;
	}
	enum vm_exit why = vm_run(&vm, &err);
	fprintf(stderr, "vmm_boot: %s (%s) after %.0f ms\n", vm_exit_name(why), vm.exit_detail,
		(now() - start) * 1000);
	long guest = guest_resident_kib(&vm.mem), rss = process_resident_kib();
	fprintf(stderr,
		"vmm_boot: memory: process %ld KiB resident, guest RAM %ld KiB of it, VMM %ld "
		"KiB\n",
		rss, guest, rss - guest);
	vm_destroy(&vm);
	error_release(&err);
	return why == VM_EXIT_RESET || why == VM_EXIT_POWEROFF ? 0 : why == VM_EXIT_CRASH ? 2 : 1;
}
