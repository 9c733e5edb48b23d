/* The default config: a JSON template parsed by the same parser as every
 * config, then adjusted in C for --rootless. */
#include "oci-spec/default_config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"

static const char default_config[] =
	"{"
	"\"ociVersion\": \"1.2.0\","
	"\"process\": {"
	"  \"terminal\": true, \"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"sh\"],"
	"  \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
	"           \"TERM=xterm\"],"
	"  \"cwd\": \"/\","
	"  \"capabilities\": {"
	"    \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
	"    \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
	"    \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]},"
	"  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],"
	"  \"noNewPrivileges\": true},"
	"\"root\": {\"path\": \"rootfs\", \"readonly\": true},"
	"\"hostname\": \"vrun\","
	"\"mounts\": ["
	"  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
	"  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
	"   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
	"  {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\","
	"   \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", "
	"\"mode=0620\","
	"                \"gid=5\"]},"
	"  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\","
	"   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},"
	"  {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\","
	"   \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},"
	"  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\","
	"   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},"
	"  {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\","
	"   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}],"
	"\"linux\": {"
	"  \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},"
	"  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"},"
	"                 {\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"cgroup\"}],"
	"  \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\","
	"                  \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\","
	"                  \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\"],"
	"  \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\","
	"                    \"/proc/sysrq-trigger\"]}"
	"}";

static void strings_remove(struct oci_strings *list, const char *value)
{
	for (size_t i = 0; i < list->len; i++) {
		if (strcmp(list->items[i], value) != 0)
			continue;
		free(list->items[i]);
		memmove(&list->items[i], &list->items[i + 1], (list->len - i) * sizeof(char *));
		list->len--;
		return;
	}
}

static void set_strings(struct oci_strings *list, const char *const *values, size_t n)
{
	oci_strings_clear(list);
	for (size_t i = 0; i < n; i++)
		oci_strings_push(list, values[i]);
}

/* runc's rootless changes: a user namespace mapping the caller to root, no
 * network namespace of its own, /sys bound from the host, devpts without
 * gid=5, no cgroup mount and no resources. */
static void make_rootless(struct oci_config *config)
{
	static const char *const sys_options[] = {"rbind", "nosuid", "noexec", "nodev", "ro"};
	struct oci_linux *lx = config->linux_;
	size_t kept = 0;

	lx->namespaces.items = xrealloc(lx->namespaces.items,
					(lx->namespaces.len + 1) * sizeof(struct oci_namespace));
	for (size_t i = 0; i < lx->namespaces.len; i++) {
		struct oci_namespace *ns = &lx->namespaces.items[i];
		if (strcmp(ns->type, "network") == 0) {
			free(ns->type);
			free(ns->path);
			continue;
		}
		lx->namespaces.items[kept++] = *ns;
	}
	lx->namespaces.items[kept++] = (struct oci_namespace){xstrdup("user"), NULL};
	lx->namespaces.len = kept;

	lx->uid_mappings.items = xcalloc(1, sizeof(struct oci_id_mapping));
	lx->gid_mappings.items = xcalloc(1, sizeof(struct oci_id_mapping));
	lx->uid_mappings.items[0] = (struct oci_id_mapping){0, (uint32_t)geteuid(), 1};
	lx->gid_mappings.items[0] = (struct oci_id_mapping){0, (uint32_t)getegid(), 1};
	lx->uid_mappings.len = lx->gid_mappings.len = 1;

	for (size_t i = 0; i < config->mounts.len; i++) {
		struct oci_mount *m = &config->mounts.items[i];
		if (strcmp(m->destination, "/dev/pts") == 0)
			strings_remove(&m->options, "gid=5");
		if (strcmp(m->destination, "/sys") == 0) {
			free(m->type);
			free(m->source);
			m->type = xstrdup("none");
			m->source = xstrdup("/sys");
			set_strings(&m->options, sys_options, 5);
		}
	}
	struct oci_mount *last = &config->mounts.items[config->mounts.len - 1];
	if (strcmp(last->destination, "/sys/fs/cgroup") == 0) {
		oci_mount_release(last);
		config->mounts.len--;
	}
	oci_resources_free(lx->resources);
	lx->resources = NULL;
}

int oci_config_default(bool rootless, struct oci_config *config, struct error **err)
{
	if (oci_config_parse(default_config, strlen(default_config), "default config", config,
			     err) < 0)
		return -1;
	if (rootless)
		make_rootless(config);
	return 0;
}
