/* vmm_boot: boots a kernel in vrun's VMM with the guest's serial console on
 * stdout, for the test host's integration tests (and for people debugging
 * the VMM).  Exits 0 when the guest resets or powers off, 2 when it
 * crashes (registers on stderr), 1 on a VMM error.
 *
 *   vmm_boot --kernel K [--initrd I] [--cmdline S] [--memory MiB] [--vcpus N] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/vm.h"

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
	vm_destroy(&vm);
	error_release(&err);
	return why == VM_EXIT_RESET || why == VM_EXIT_POWEROFF ? 0 : why == VM_EXIT_CRASH ? 2 : 1;
}
