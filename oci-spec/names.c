/* Name tables of names.h, from runtime-spec 1.2 config.md, config-linux.md
 * and the Linux headers they refer to. */
#include "oci-spec/names.h"

#include <string.h>

#define NAME_LIST(var, ...)                                                                        \
	static const char *const var##_items[] = {__VA_ARGS__};                                    \
	const struct name_list var = {var##_items, sizeof(var##_items) / sizeof(var##_items[0])}

/* capability.h, numbers 0 to 40 in order. */
NAME_LIST(oci_capability_names, "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
	  "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	  "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
	  "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
	  "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
	  "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	  "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	  "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	  "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

NAME_LIST(oci_namespace_names, "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time");

NAME_LIST(oci_rlimit_names, "RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE",
	  "RLIMIT_LOCKS", "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE",
	  "RLIMIT_NPROC", "RLIMIT_RSS", "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING",
	  "RLIMIT_STACK");

NAME_LIST(oci_seccomp_action_names, "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
	  "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",
	  "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY");

NAME_LIST(oci_seccomp_operator_names, "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
	  "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");

NAME_LIST(oci_seccomp_arch_names, "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
	  "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
	  "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
	  "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
	  "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64");

NAME_LIST(oci_seccomp_flag_names, "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
	  "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");

NAME_LIST(oci_propagation_names, "private", "rprivate", "slave", "rslave", "shared", "rshared",
	  "unbindable", "runbindable");

/* The mount(8) options that the guest agent maps to mount flags. */
NAME_LIST(oci_mount_option_names, "async", "atime", "bind", "defaults", "dev", "diratime",
	  "dirsync", "exec", "iversion", "lazytime", "loud", "mand", "noatime", "nodev",
	  "nodiratime", "noexec", "noiversion", "nolazytime", "nomand", "norelatime",
	  "nostrictatime", "nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev",
	  "rdiratime", "relatime", "remount", "rexec", "rnoatime", "rnodev", "rnodiratime",
	  "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid", "rnosymfollow", "ro", "rprivate",
	  "rrelatime", "rro", "rrw", "rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow",
	  "runbindable", "rw", "shared", "silent", "slave", "strictatime", "suid", "symfollow",
	  "sync", "unbindable");

NAME_LIST(oci_hook_names, "prestart", "createRuntime", "createContainer", "startContainer",
	  "poststart", "poststop");

NAME_LIST(oci_sched_policy_names, "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
	  "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE");

NAME_LIST(oci_ioprio_class_names, "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE");

bool name_list_contains(const struct name_list *list, const char *name)
{
	for (size_t i = 0; i < list->len; i++)
		if (strcmp(list->names[i], name) == 0)
			return true;
	return false;
}
