# containerd 1.6 with vrun as the runc binary of its runc v2 shim (ctr run
# --runc-binary): sourced by inside.sh after podman.sh.  Each run boots a
# VM, so the cases are few.
if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null; then
	tap_skip "containerd with vrun" "containerd is not installed (make deps installs it)"
	return 0 2>/dev/null || exit 0
fi
cwork=/tmp/vrun-containerd
rm -rf "$cwork" && mkdir -p "$cwork"
# Its snapshots cannot sit on the test host's overlay root: a tmpfs.
mkdir -p /var/lib/containerd && mount -t tmpfs tmpfs /var/lib/containerd
. tests/lib/oci-image.sh
tar -C "$bundles/base/rootfs" -cf "$cwork/base.tar" .
IMAGE_CONFIG='.config = {Cmd: ["sh"], Env: ["PATH=/bin"]}' new_image "$cwork/image" v1 "$cwork/base.tar"
skopeo copy -q "oci:$cwork/image:v1" "oci-archive:$cwork/image.tar:v1"
containerd --address "$cwork/containerd.sock" --state "$cwork/state" >"$cwork/containerd.log" 2>&1 &
containerd_pid=$!
for _ in $(seq 100); do [[ -S $cwork/containerd.sock ]] && break; sleep 0.1; done
ctr=(ctr --address "$cwork/containerd.sock")
"${ctr[@]}" image import --base-name localhost/vrun-test "$cwork/image.tar" >/dev/null 2>&1
image=localhost/vrun-test:v1
runc=(--runc-binary "$top/build/vrun")

run timeout 120 "${ctr[@]}" run --rm "${runc[@]}" "$image" c1 sh -c 'echo hello from ctr; exit 3'
expect "ctr run --rm with vrun: output and exit code (3)" 3 '^hello from ctr$' ""
run timeout 120 "${ctr[@]}" run -d "${runc[@]}" "$image" c2 sleep 600
expect "ctr run -d" 0 "" ""
run timeout 60 "${ctr[@]}" task exec --exec-id e1 c2 sh -c 'echo exec says hi; exit 5'
expect "ctr task exec: output and exit code (5)" 5 '^exec says hi$' ""
run timeout 30 "${ctr[@]}" task kill -s SIGKILL c2
expect "ctr task kill -s SIGKILL" 0 "" ""
for _ in $(seq 100); do "${ctr[@]}" task ls 2>/dev/null | grep -q 'c2 .*STOPPED' && break; sleep 0.2; done
check "the task is STOPPED" bash -c '"$@" task ls | grep -q "c2 .*STOPPED"' _ "${ctr[@]}"
run timeout 30 "${ctr[@]}" task delete c2
expect "ctr task delete: it reports the exit code 137 (SIGKILL)" 0 '-' 'exit code 137'
run "${ctr[@]}" container delete c2
expect "ctr container delete" 0 "" ""
check "no vrun state left behind by containerd's shim" \
	bash -c '[[ -z $(ls /run/containerd/runc/default 2>/dev/null) ]]'
kill "$containerd_pid" 2>/dev/null
wait "$containerd_pid" 2>/dev/null
umount /var/lib/containerd
rm -rf "$cwork"
