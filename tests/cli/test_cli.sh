#!/usr/bin/env bash
# CLI tests: run build/vrun and check output, exit status and files, the
# way Podman and containerd see it (CONTRACT.md).
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$top/tests/lib/tap.sh"
vrun=$top/build/vrun
work=$(mktemp -d /tmp/vrun-cli.XXXXXX)
root=$work/root
sleepers=()
cleanup() {
	for p in "${sleepers[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

# fake_container ID STATUS PID: a state directory as create will leave it.
fake_container() {
	local id=$1 status=$2 pid=$3 start=0
	if ((pid > 0)); then
		local stat rest
		stat=$(</proc/"$pid"/stat)
		rest=${stat##*) }
		read -ra fields <<<"$rest"
		start=${fields[19]}
	fi
	mkdir -p "$root/$id"
	: >"$root/$id/lock"
	printf '{"ociVersion":"1.2.0","id":"%s","status":"%s","pid":%d,"bundle":"%s","rootfs":"%s/rootfs","created":"2026-11-26T20:45:01.123456789Z","owner":"","annotations":{"a":"b"},"pidStartTime":%s}\n' \
		"$id" "$status" "$pid" "$work/bundle" "$work/bundle" "$start" >"$root/$id/state.json"
}

start_sleeper() {
	sleep 1000 &
	disown $!
	sleepers+=($!)
	sleeper=$!
}

# --version: runc's three lines.
run "$vrun" --version
expect "--version prints name, commit and spec lines" 0 '^vrun version [0-9]+\.[0-9]+\.[0-9]+$' ""
check "--version has commit: and spec: 1.2.0" grep -qxE 'commit: [0-9a-f]{7,}(-dirty)?|commit: unknown' <<<"$(sed -n 2p <<<"$out")"
check "--version spec line" test "$(sed -n 3p <<<"$out")" = "spec: 1.2.0"

# spec writes a config that vrun parses back.
mkdir -p "$work/bundle"
run "$vrun" spec --bundle "$work/bundle"
expect "spec --bundle writes config.json" 0 "" ""
check "spec output is JSON with runc's defaults" jq -e '.ociVersion == "1.2.0" and .process.args == ["sh"] and .root.path == "rootfs" and (.linux.namespaces | map(.type) | index("network") != null)' "$work/bundle/config.json"
# Without KVM create gets as far as the VMM, which says why it cannot go
# on; with a paravirtual KVM (no VT-x/AMD-V: PVM), which cannot boot the
# stock kernel, create says so before it starts anything; the boot itself
# is tested in the test host.
if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
	tap_skip "create without KVM fails cleanly" "this machine has KVM"
else
	jq '.process.terminal = false' "$work/bundle/config.json" >"$work/notty.json"
	mkdir -p "$work/notty/rootfs" && cp "$work/notty.json" "$work/notty/config.json"
	run "$vrun" --root "$root" create --bundle "$work/notty" parsed
	if [ -e /dev/kvm ]; then
		expect "create reads the spec output back and stops at the paravirtual /dev/kvm" 1 "" \
			'^vrun: create parsed: kernel `[^`]*`: neither VT-x nor AMD-V: this /dev/kvm is a paravirtual KVM, which boots only kernels built for it; '
	else
		expect "create reads the spec output back and fails at /dev/kvm" 1 "" '^vrun: create parsed: open /dev/kvm: No such file or directory$'
	fi
	check "the failed create left no state, socket or process behind" test ! -e "$root/parsed"
	check "and no VMM process" sh -c '! pgrep -f "create --bundle $0/notty parsed" >/dev/null' "$work"
fi
run "$vrun" spec --bundle "$work/bundle"
expect "spec refuses to overwrite" 1 "" 'config.json` already exists: remove it first'
mkdir -p "$work/rootless/rootfs"
run "$vrun" spec --rootless -b "$work/rootless"
expect "spec --rootless" 0 "" ""
check "rootless: user namespace, no network namespace, caller mapped to root" jq -e --argjson uid "$(id -u)" '(.linux.namespaces | map(.type) | (index("user") != null and index("network") == null)) and .linux.uidMappings == [{"containerID":0,"hostID":$uid,"size":1}] and .linux.resources == null' "$work/rootless/config.json"
run "$vrun" --root "$root" create -b "$work/rootless" rootless
expect "rootless spec parses back (and stops at what this machine lacks)" 1 "" '/dev/kvm'
run "$vrun" spec --bundle "$work/missing"
expect "spec into a missing bundle" 1 "" "create \`$work/missing/config.json\`: No such file or directory"

# features: runtime-spec features.md.
run "$vrun" features
expect "features exits 0 with nothing on stderr" 0 '"ociVersionMin"' ""
check "features: ociVersionMin/Max, hooks, namespaces, capabilities" jq -e '.ociVersionMin == "1.0.0" and .ociVersionMax == "1.2.0" and (.hooks | length) == 6 and (.linux.namespaces | index("pid") != null) and (.linux.capabilities | index("CAP_SYS_ADMIN") != null) and .linux.seccomp.enabled == true' <<<"$out"
check "features: cgroup v2 and systemd paths; the VM-shaping annotations, two of them unsafe" jq -e '.linux.cgroup.v2 == true and .linux.cgroup.systemd == true and .annotations["io.vrun.vm.annotations"] == "io.vrun.kernel,io.vrun.kernel_cmdline,io.vrun.memory_mib,io.vrun.vcpus,io.vrun.virtiofs_dax" and .potentiallyUnsafeConfigAnnotations == ["io.vrun.kernel", "io.vrun.kernel_cmdline"]' <<<"$out"

# pool: its arguments, and an empty pool (booting one needs a VM:
# tests/vmhost/pool.sh).
run "$vrun" --root "$root" pool
expect "pool without a subcommand says what it takes" 1 "" '^vrun: pool: expected fill N, drain or status$'
run "$vrun" --root "$root" pool fill 0
expect "pool fill 0 is refused" 1 "" "^vrun: pool fill: '0' is not a count from 1 to 64$"
run "$vrun" --root "$root" pool fill
expect "pool fill without a count is refused" 1 "" '^vrun: pool fill: expected a count$'
run "$vrun" --root "$root" pool status
expect "pool status of an empty pool" 0 "^pool: 0 VMs wait in $root/.pool$" ""
mkdir -p "$root/.pool/7" && echo "$$ 1" >"$root/.pool/7/pid"
run "$vrun" --root "$root" pool drain
expect "pool drain of an empty pool; an entry whose VMM is gone is removed" 0 '^pool: 0 VMs ended$' ""
check "... the dead entry is gone" test ! -e "$root/.pool/7"

# Bad configs and bundles through create.
mkdir -p "$work/bad"
echo '{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"cwd": "/", "args": []}}' >"$work/bad/config.json"
run "$vrun" --root "$root" create --bundle "$work/bad" bad
expect "create: empty process.args" 1 "" 'create bad: .*/bad/config.json: process.args: must be a non-empty array of strings'
echo '{"ociVersion": "1.0.2", ' >"$work/bad/config.json"
run "$vrun" --root "$root" create --bundle "$work/bad" bad
expect "create: malformed JSON" 1 "" 'config.json: invalid JSON: '
echo '{"ociVersion": "1.0.2", "root": {"path": 7}}' >"$work/bad/config.json"
run "$vrun" --root "$root" create --bundle "$work/bad" bad
expect "create: wrong type" 1 "" 'config.json: root.path: must be a string'
truncate -s $((16 * 1024 * 1024 + 1)) "$work/bad/config.json"
run "$vrun" --root "$root" create --bundle "$work/bad" bad
expect "create: config.json over 16 MiB" 1 "" 'config.json: larger than 16 MiB'
run "$vrun" --root "$root" create --bundle "$work/nonexistent" bad
expect "create: unreadable bundle" 1 "" 'config.json`: No such file or directory'
check "features: seccomp's actions without SCMP_ACT_NOTIFY, x86 architectures, the flags it applies" jq -e '.linux.seccomp.actions == ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG"] and (.linux.seccomp.archs | index("SCMP_ARCH_X86_64") != null) and (.linux.seccomp.operators | length) == 7 and (.linux.seccomp.supportedFlags | index("SECCOMP_FILTER_FLAG_LOG") != null)' <<<"$("$vrun" features)"
echo '{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"cwd": "/", "args": ["true"]}, "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}}}' >"$work/bad/config.json"
run "$vrun" --root "$root" create --bundle "$work/bad" bad
expect "create: a seccomp listener (SCMP_ACT_NOTIFY) is refused before a VM boots" 1 "" '^vrun: create bad: seccomp: action SCMP_ACT_NOTIFY is not supported$'
check "... and leaves no state" test ! -e "$root/bad"
run "$vrun" --root "$root" --vmm-user no-such-user-here create --bundle "$work/bundle" vu
expect "create --vmm-user of a user the host lacks: refused before a VM boots" 1 "" \
	'^vrun: create vu: --vmm-user no-such-user-here: no such user on the host$'
run "$vrun" --root "$root" --vmm-user 65534:no-such-group-here create --bundle "$work/bundle" vu
expect "create --vmm-user with a group the host lacks" 1 "" 'vmm-user 65534:no-such-group-here: no such group on the host$'
run "$vrun" --root "$root" --vmm-user 65534: create --bundle "$work/bundle" vu
expect "create --vmm-user with an empty group" 1 "" 'vmm-user 65534:: expected USER\[:GROUP\]$'
check "... and no state left" test ! -e "$root/vu"
run "$vrun" --root "$root" create --bundle "$work/bundle" "bad/id"
expect "create: bad id" 1 "" "invalid container id 'bad/id'"
check "failed creates left no state" test ! -e "$root/bad"

# state, list, delete on containers in each status.
run "$vrun" --root "$root" state nosuch
expect "state of a missing container" 1 "" 'container "nosuch" does not exist'
run "$vrun" --root "$root" delete nosuch
expect "delete of a missing container" 1 "" 'container "nosuch" does not exist'
run "$vrun" --root "$root" delete --force nosuch
expect "delete --force of a missing container" 0 "" ""
mkdir -p "$root/half" && : >"$root/half/lock"
run "$vrun" --root "$root" state half
expect "a container without a record yet does not exist" 1 "" 'container "half" does not exist \(no state yet\)'
run "$vrun" --root "$root" delete --force half
expect "delete --force removes what a half-done create left" 0 "" ""
check "the half-created state directory is gone" test ! -e "$root/half"
run "$vrun" --root "$root" list
expect "list with nothing" 0 '^ID +PID +STATUS +BUNDLE +CREATED +OWNER$' ""

start_sleeper
fake_container c-created created "$sleeper"
created_pid=$sleeper
run "$vrun" --root "$root" state c-created
expect "state prints only JSON on success" 0 '"status": "created"' ""
check "state JSON: id, pid, bundle, rootfs, created, annotations" jq -e --argjson pid "$created_pid" '.id == "c-created" and .pid == $pid and .ociVersion == "1.2.0" and (.bundle | endswith("/bundle")) and (.rootfs | endswith("/rootfs")) and .created == "2026-11-26T20:45:01.123456789Z" and .annotations.a == "b"' <<<"$out"

start_sleeper
fake_container c-running running "$sleeper"
running_pid=$sleeper
fake_container c-stopped running 0
start_sleeper
fake_container c-reused running "$sleeper"
sed -i 's/"pidStartTime":[0-9]*/"pidStartTime":1/' "$root/c-reused/state.json"

run "$vrun" --root "$root" state c-stopped
check "a container whose VMM is gone is stopped with pid 0" jq -e '.status == "stopped" and .pid == 0' <<<"$out"
run "$vrun" --root "$root" state c-reused
check "a reused pid is not the container: stopped" jq -e '.status == "stopped" and .pid == 0' <<<"$out"

run "$vrun" --root "$root" list
expect "list shows every container" 0 "^c-running +$running_pid +running +$work/bundle +2026-11-26T20:45:01.123456789Z +root$" ""
check "list is sorted by id, one row each" test "$(awk 'NR > 1 {print $1}' <<<"$out" | tr '\n' ' ')" = "c-created c-reused c-running c-stopped "
run "$vrun" --root "$root" list --format json
check "list --format json" jq -e 'length == 4 and (map(.id) == ["c-created","c-reused","c-running","c-stopped"]) and .[3].status == "stopped"' <<<"$out"
run "$vrun" --root "$root" list -q
expect "list --quiet prints ids" 0 '^c-created$' ""

run "$vrun" --root "$root" delete c-running
expect "delete of a running container without --force fails" 1 "" 'cannot delete container c-running that is not stopped: running'
check "the running container is untouched" kill -0 "$running_pid"
run "$vrun" --root "$root" delete --force c-running
expect "delete --force of a running container" 0 "" ""
check "delete --force killed the VMM and removed the state" bash -c "! kill -0 $running_pid 2>/dev/null && test ! -e '$root/c-running'"
run "$vrun" --root "$root" delete c-created
expect "delete of a created container kills and removes it" 0 "" ""
check "the created container's VMM is gone" bash -c "sleep 0.1; ! kill -0 $created_pid 2>/dev/null && test ! -e '$root/c-created'"
run "$vrun" --root "$root" kill c-stopped 15
expect "kill of a stopped container: container not running" 1 "" '^vrun: container not running: c-stopped$'
run "$vrun" --root "$root" kill --all c-stopped 9
expect "kill --all of a stopped container succeeds (containerd's shim sends it at cleanup)" 0 "" ""
run "$vrun" --root "$root" delete c-stopped
expect "delete of a stopped container" 0 "" ""
run "$vrun" --root "$root" delete c-reused
expect "delete of a container whose pid was reused" 0 "" ""
check "delete left the unrelated process with the reused pid alive" kill -0 "${sleepers[2]}"

# --log and --log-format json: one JSON object in the file, message on stderr.
for spelling in "--log-format json" "--log-format=json"; do
	rm -f "$work/log.json"
	# shellcheck disable=SC2086
	run "$vrun" --root "$root" --log "$work/log.json" $spelling state gone
	expect "$spelling: error on stderr" 1 "" 'container "gone" does not exist'
	check "$spelling: the log holds exactly one JSON object with level, msg, time" jq -es 'length == 1 and .[0].level == "error" and .[0].msg == "container \"gone\" does not exist" and (.[0].time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$"))' "$work/log.json"
done
rm -f "$work/log.json"
run "$vrun" --root "$root" --log "$work/log.json" --log-format json list
check "a successful command writes nothing to the log" test ! -s "$work/log.json"
run "$vrun" --root "$root" --log "$work/log.txt" delete gone
check "text log: logrus-style record" grep -qE '^time="[-0-9T:]+Z" level=error msg="container \\"gone\\" does not exist"$' "$work/log.txt"
run "$vrun" --log-format yaml list
expect "unknown --log-format" 1 "" "unknown format 'yaml'"

# Lifecycle verbs on containers that do not exist: the error on stderr,
# and with --log-format json the same message as the log's one object.
for verb in start kill exec pause resume ps update; do
	rm -f "$work/log.json"
	pre=() post=()
	[[ $verb == exec ]] && post=(true)
	[[ $verb == update ]] && echo '{}' >"$work/empty.json" && pre=(--resources "$work/empty.json")
	run "$vrun" --root "$root" --log "$work/log.json" --log-format=json "$verb" "${pre[@]}" nosuch "${post[@]}"
	expect "$verb of a missing container" 1 "" 'container "nosuch" does not exist'
	check "$verb: the log's one JSON object has the same message" \
		jq -es --arg e "${err#vrun: }" 'length == 1 and .[0].level == "error" and .[0].msg == $e' "$work/log.json"
done
run "$vrun" --root "$root" run --bundle "$work/nonexistent" x
expect "run of a missing bundle" 1 "" 'run x: open `.*/nonexistent/config.json`: No such file or directory'
check "run left no state behind" test ! -e "$root/x"
run "$vrun" --root "$root" kill nosuch SIGNOPE
expect "kill with a bad signal" 1 "" 'SIGNOPE'

# update: what it refuses before any VM is involved (the limits it writes
# are checked in the test host).
run "$vrun" --root "$root" update x
expect "update without --resources says what it takes" 1 "" \
	"^vrun: update: expected --resources FILE \\(or - for stdin\\)"
run "$vrun" --root "$root" update --resources "$work/nonexistent.json" x
expect "update --resources of a missing file names it" 1 "" "nonexistent.json.*No such file or directory"
echo '{"memory": {"limit": "lots"}}' >"$work/bad.json"
run "$vrun" --root "$root" update --resources="$work/bad.json" x
expect "update --resources=FILE with a bad type names the member" 1 "" "memory.limit"
run bash -c 'echo "{\"blockIO\": {\"weight\": 10}}" | "$1" --root "$2" update --resources - x' _ "$vrun" "$root"
expect "update of blockIO (from stdin) is refused by name" 1 "" \
	"update x: blockIO: vrun cannot change it on a running VM"
echo '{"cpu": {"quota": 50000}}' >"$work/cpu.json"
run "$vrun" --root "$root" update --resources "$work/cpu.json" nosuch
expect "update of a missing container" 1 "" 'container "nosuch" does not exist'
# --preserve-fds: each fd is checked before anything starts; what cannot
# be relayed into a VM (a directory, a datagram socket) or is not open is
# refused by number.
run "$vrun" --root "$root" create --preserve-fds 0 --bundle "$work/nonexistent" x
expect "create --preserve-fds 0 goes on (to the missing bundle)" 1 "" "nonexistent/config.json"
run bash -c 'exec 3</dev/null 4<"$1"; exec "$2" --root "$3" create --preserve-fds 2 --bundle "$4" x' _ "$work" "$vrun" "$root" "$work/nonexistent"
expect "create --preserve-fds 2 with a directory as fd 4: refused, saying which fd and why" 1 "" \
	"^vrun: create x: --preserve-fds 2: fd 4 is a directory: only its bytes could reach a microVM$"
run bash -c 'exec 3</dev/null 4<&-; exec "$1" --root "$2" create --preserve-fds 2 --bundle "$3" x' _ "$vrun" "$root" "$work/nonexistent"
expect "create --preserve-fds 2 with fd 4 closed: refused" 1 "" \
	"^vrun: create x: --preserve-fds 2: fd 4: Bad file descriptor$"
run "$vrun" --root "$root" create --preserve-fds 40 --bundle "$work/nonexistent" x
expect "create --preserve-fds 40: more than a VM takes" 1 "" \
	"^vrun: create x: --preserve-fds 40: at most 32 fds can be passed into a microVM$"
run bash -c 'exec 3</dev/null; exec "$1" --root "$2" create --preserve-fds 1 --bundle "$3" x' _ "$vrun" "$root" "$work/nonexistent"
expect "create --preserve-fds 1 with a readable fd 3 goes on (to the missing bundle)" 1 "" "nonexistent/config.json"
run "$vrun" --root "$root" exec --preserve-fds x1 x true
expect "exec --preserve-fds takes a count" 1 "" "^vrun: exec: --preserve-fds: 'x1' is not a count$"
# vrun check here; the boot itself is tested in the test host (vmhost).
if ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
	run "$vrun" --root "$root" check
	expect "check without VT-x/AMD-V says so plainly and fails" 1 \
		'^problem +virtualization: neither VT-x nor AMD-V: this /dev/kvm is a paravirtual KVM' 'check: [0-9] problems?$'
	check "check still finds the guest kernel and builds the initramfs" \
		grep -qE '^ok +initramfs: .*/\.cache/initramfs-.*\.cpio \([0-9]+ KiB\)$' <<<"$out"
	check "check does not boot without hardware virtualization" grep -q '^problem  boot: not tried' <<<"$out"
else
	tap_skip "check without VT-x/AMD-V" "this host has VT-x/AMD-V"
fi
run "$vrun" --root "$root" check --kernel /etc/hostname
expect "check with a file that is not a kernel" 1 '^problem +kernel: kernel `/etc/hostname`: no version string \(not a bzImage\?\)$' -
# make install: vrun, and the guest kernel and modules under /usr/share/vrun.
run make -s -C "$top" install DESTDIR="$work/inst"
expect "make install with DESTDIR" 0 - -
check "make install: bin/vrun, the guest kernel and its modules" bash -c "
	test -x '$work/inst/usr/local/bin/vrun' &&
	test -f \"\$(readlink -f '$work/inst/usr/share/vrun/vmlinuz')\" &&
	ls -d '$work/inst/usr/share/vrun/lib/modules/'*/kernel/drivers/virtio"
run "$vrun" checkpoint --help
expect "checkpoint --help fails (no checkpoint support)" 1 "" "unknown command 'checkpoint'"
run "$vrun" frobnicate
expect "unknown command" 1 "" "unknown command 'frobnicate'"
run "$vrun" delete --bogus x
expect "unknown option" 1 "" "delete: unknown option '--bogus'"
run "$vrun" --help
expect "--help lists the verbs" 0 '^  delete +delete a container' ""
run "$vrun" delete --help
expect "a verb's --help prints its usage" 0 '^usage: vrun delete \[--force\] ID$' ""
run "$vrun" --root
expect "a global option without its value" 1 "" "^vrun: option '--root' needs a value$"
run "$vrun" spec --bundle
expect "a verb option without its value" 1 "" "^vrun: spec: option '--bundle' needs a value$"
run "$vrun" --debug --systemd-cgroup --cgroup-manager cgroupfs --root "$root" list
expect "--systemd-cgroup and --cgroup-manager are accepted; --debug logs" 0 '^ID' "state root $root"

# The default root: /run/vrun for root, $XDG_RUNTIME_DIR/vrun otherwise.
if (($(id -u) == 0)); then
	run env XDG_RUNTIME_DIR=/tmp/elsewhere "$vrun" --debug list
	expect "root's default state root is /run/vrun" 0 - 'state root /run/vrun$'
	if command -v setpriv >/dev/null; then
		mkdir -p "$work/xdg" && chmod 777 "$work/xdg" "$work"
		run setpriv --reuid=65534 --regid=65534 --clear-groups env XDG_RUNTIME_DIR="$work/xdg" "$vrun" --debug list
		expect "a user's default state root is \$XDG_RUNTIME_DIR/vrun" 0 - "state root $work/xdg/vrun\$"
	else
		tap_skip "a user's default state root" "setpriv not installed"
	fi
else
	tap_skip "root's default state root" "not running as root"
fi
tap_done
