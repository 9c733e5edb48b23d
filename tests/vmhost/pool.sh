# The pool of booted VMs (runtime/pool.h): sourced by inside.sh.  Four
# VMs booted ahead: three serve containers without a boot each (run by
# annotation, create --pool with a terminal, run --image --pool); a
# container that does not ask boots its own and leaves the fourth, which
# drain ends.  (A claim of another shape, and entries
# whose VMM died: tests/unit/test_pool.c, without VMs.)
vrun=build/vrun
proot=$(mktemp -d /tmp/vrun-pool.XXXXXX)
pscratch=$(mktemp -d /tmp/vrun-pool-scratch.XXXXXX)
pbundles=$top/build/tests/pool-bundles
mkdir -p "$pbundles"
[[ -d $top/build/tests/bundles/base ]] || tests/lib/make-bundle "$top/build/tests/bundles/base" >/dev/null

# pbundle NAME ANNOTATIONS_JSON ARG...: a busybox bundle with annotations.
pbundle() {
	local name=$1 annotations=$2
	shift 2
	ROOTFS=$top/build/tests/bundles/base/rootfs tests/lib/make-bundle "$pbundles/$name" "$@" >/dev/null
	jq --argjson a "$annotations" '.annotations = $a' "$pbundles/$name/config.json" >"$pbundles/$name/config.new" &&
		mv "$pbundles/$name/config.new" "$pbundles/$name/config.json"
}
pooled='{"io.vrun.pool": "true"}'

started=$(date +%s%N)
run timeout 300 $vrun --root "$proot" pool fill 4
ms=$((($(date +%s%N) - started) / 1000000))
expect "pool fill 4: four VMs boot and wait" 0 "^pool: 4 VMs wait in $proot/.pool \(4 booted in [0-9]+ ms\)$" ""
echo "# pool fill 4: $ms ms (four boots at once on one vCPU, nested under TCG)"
run $vrun --root "$proot" pool status
expect "pool status: 4 wait" 0 "^pool: 4 VMs wait in $proot/.pool$" ""
run $vrun --root "$proot" list --quiet
expect "list shows no container for the pool's VMs" 0 "" ""
entry_pids=$(awk '{print $1}' "$proot"/.pool/*/pid 2>/dev/null)

# run: the container's rootfs and a bind mount exported at the claim,
# stdout and stderr apart, its exit status through the claim.
mkdir -p "$pscratch/vol" && echo "from the host" >"$pscratch/vol/in"
pbundle warm "$pooled" sh -c 'cat /vol/in; echo written >/vol/out; echo "rootfs $(cat /etc/hostname-pool)"; echo err >&2; exit 42'
echo pooled-rootfs >"$top/build/tests/bundles/base/rootfs/etc/hostname-pool"
jq --arg src "$pscratch/vol" '.mounts += [{destination: "/vol", type: "bind", source: $src, options: ["rbind", "rw"]}]' \
	"$pbundles/warm/config.json" >"$pbundles/warm/config.new" && mv "$pbundles/warm/config.new" "$pbundles/warm/config.json"
started=$(date +%s%N)
run timeout 120 $vrun --root "$proot" --debug --log "$pscratch/warm.log" run --bundle "$pbundles/warm" warm
warm_ms=$((($(date +%s%N) - started) / 1000000))
expect "run of a pooled container: its output, stderr apart, exit status 42 through the claim" 42 \
	'^from the host$' '^err$'
check "... the rootfs is the bundle's, exported at the claim" grep -qx 'rootfs pooled-rootfs' <<<"$out"
check "... the bind mount's share too: the write reached the host" grep -qx written "$pscratch/vol/out"
check "... a VMM of the pool took it (--debug), no VM booted for it" \
	bash -c 'grep -q "pool: VMM pid [0-9]* takes the container" "$1" && ! grep -q "boot: the VM running" "$1"' _ "$pscratch/warm.log"
prepared=$(grep -o 'create: the process prepared [0-9]* ms' "$pscratch/warm.log" | grep -o '[0-9]*')
echo "# pooled run: $warm_ms ms end to end, the claim to the process prepared ${prepared:-?} ms (nested under TCG)"
check "run removed the container" test ! -e "$proot/warm"
run $vrun --root "$proot" pool status
expect "three VMs wait after the claim" 0 "^pool: 3 VMs wait in $proot/.pool$" ""

# create, state, start: the pid is the pool's VMM, the state dir has its
# console log; the container ends and state says stopped.
# create --pool (no annotation) with a terminal: the console socket (named
# relative to our directory) gets the master from the pool's VMM.
pbundle life '{}' sh -c 'echo "up on $(tty)"; sleep 2; echo done'
jq '.process.terminal = true' "$pbundles/life/config.json" >"$pbundles/life/config.new" &&
	mv "$pbundles/life/config.new" "$pbundles/life/config.json"
timeout 120 build/tests/console_recv "$pscratch/console.sock" "" >"$pscratch/tty.out" 2>"$pscratch/tty.err" &
recv_job=$!
for _ in $(seq 50); do [[ -S $pscratch/console.sock ]] && break; sleep 0.1; done
run timeout 120 bash -c 'cd "$1" && exec "$2" --root "$3" create --bundle "$4" --pid-file "$1/life.pid" \
	--console-socket console.sock --pool life' _ "$pscratch" "$top/$vrun" "$proot" "$pbundles/life"
expect "create of a pooled container with --console-socket: exit 0, nothing on stdout or stderr" 0 "" ""
pid=$(cat "$pscratch/life.pid" 2>/dev/null)
run $vrun --root "$proot" state life
expect "state: created, its pid the pid file's" 0 '"status": "created"' ""
check "... the pid is one of the pool's VMMs" bash -c '[[ -n $1 ]] && grep -qx "$1" <<<"$2"' _ "$pid" "$entry_pids"
check "... its console log and vsock socket moved into the state dir" \
	bash -c '[[ -f $1/vmm.log && -S $1/vsock.sock ]]' _ "$proot/life"
run timeout 60 $vrun --root "$proot" start life
expect "start: exit 0" 0 "" ""
run timeout 60 $vrun --root "$proot" exec life sh -c 'tr "\\0" " " </proc/1/cmdline'
expect "exec into the pooled container reaches its process" 0 'sleep 2' ""
for _ in $(seq 1 60); do [[ -e /proc/$pid ]] || break; sleep 0.5; done
wait $recv_job
check "... the console socket got the master; the process ran on a guest pty" \
	bash -c 'grep -q "^console: fds=1 payload=/dev/pts/" "$1" && grep -q "^up on /dev/pts/" "$2"' _ \
	"$pscratch/tty.err" "$pscratch/tty.out"
run $vrun --root "$proot" state life
expect "the container ends: state stopped" 0 '"status": "stopped"' ""
run $vrun --root "$proot" delete life
expect "delete: exit 0, the state dir gone" 0 "" ""
check "... and so is the state dir" test ! -e "$proot/life"
run $vrun --root "$proot" pool status
expect "two VMs wait now" 0 "^pool: 2 VMs wait in $proot/.pool$" ""

# run --image --pool: the image's rootfs is an overlay the pool's VMM
# mounts at the claim.
. tests/lib/oci-image.sh
tar -C "$top/build/tests/bundles/base/rootfs" -cf "$pscratch/base.tar" .
IMAGE_CONFIG='.config = {Cmd: ["sh", "-c", "echo from the image; echo x >/written"], Env: ["PATH=/bin"]}' \
	new_image "$pscratch/image" v1 "$pscratch/base.tar"
run timeout 120 env VRUN_DATA_DIR="$pscratch/data" $vrun --root "$proot" --debug run --pool \
	--image "$pscratch/image" img
expect "run --image --pool: a pooled VM runs the image's command" 0 '^from the image$' \
	'pool: VMM pid [0-9]+ takes the container'
check "... its write went to the container's own layer" test -f "$pscratch/data/containers/img/upper/written"
run $vrun --root "$proot" pool status
expect "one VM waits now" 0 "^pool: 1 VMs wait in $proot/.pool$" ""

# A container that does not ask boots its own VM, and leaves the pool's.
pbundle cold '{}' sh -c 'echo cold'
run timeout 120 $vrun --root "$proot" --debug run --bundle "$pbundles/cold" cold
expect "a container that does not ask boots its own VM" 0 '^cold$' 'boot: the VM running'
run $vrun --root "$proot" pool status
expect "... and the pool's VM still waits" 0 "^pool: 1 VMs wait in $proot/.pool$" ""

# drain: every waiting VMM ends.
pid=$(awk '{print $1; exit}' "$proot"/.pool/*/pid 2>/dev/null)
run $vrun --root "$proot" pool drain
expect "pool drain ends the waiting VMM" 0 '^pool: 1 VMs ended$' ""
check "... its process is gone and so is its entry" \
	bash -c '[[ -n $1 && ! -e /proc/$1 && -z $(ls -A "$2") ]]' _ "$pid" "$proot/.pool"
rm -f "$top/build/tests/bundles/base/rootfs/etc/hostname-pool"
rm -rf "$proot" "$pscratch"
