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
# Debian's settings (the CRI plugin's CNI paths), a sandbox image of ours,
# and docs/containerd-config.toml's runtime class.
{
	printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
	printf '  sandbox_image = "localhost/vrun-test:sandbox"\n'
	printf '[plugins."io.containerd.grpc.v1.cri".cni]\n'
	printf '  bin_dir = "/usr/lib/cni"\n  conf_dir = "/etc/cni/net.d"\n'
	grep -v '^version' docs/containerd-config.toml | sed "s|/usr/local/bin/vrun|$top/build/vrun|"
} >"$cwork/config.toml"
containerd --config "$cwork/config.toml" --address "$cwork/containerd.sock" --state "$cwork/state" \
	>"$cwork/containerd.log" 2>&1 &
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
# A CRI client, as the kubelet (tests/vmhost/cri-client: Debian has no
# crictl), asking for the runtime class `vrun` of docs/containerd-config.toml:
# its runc v2 shim runs BinaryName, vrun, for the pod's sandbox and its
# container, each a VM (the guest's kernel says so).  The pod uses the
# node's network.
IMAGE_CONFIG='.config = {Cmd: ["sleep", "3600"], Env: ["PATH=/bin"]}' new_image "$cwork/image" sandbox "$cwork/base.tar"
skopeo copy -q "oci:$cwork/image:sandbox" "oci-archive:$cwork/sandbox.tar:sandbox"
for archive in image sandbox; do
	"${ctr[@]}" -n k8s.io image import --base-name localhost/vrun-test "$cwork/$archive.tar" >/dev/null 2>&1
done
mkdir -p "$cwork/pod-logs"
guest_kernel=$(readlink build/guest/vmlinuz | sed 's/^vmlinuz-//')
run timeout 300 tests/vmhost/cri-client "$cwork/containerd.sock" vrun "$image" "$cwork/pod-logs" \
	sh -c 'echo "cri on $(uname -r)"; exit 7'
expect "CRI with the runtime class vrun (config.toml's BinaryName): a pod, a container, its exit code (7)" \
	0 '^exit 7$' ""
check "... the container's output, from the guest's kernel, in its CRI log" \
	grep -qE " stdout F cri on $guest_kernel\$" <<<"$out"
check "... the pod is gone, and no vrun state is left in the k8s.io root" \
	bash -c '[[ -z $(ls /run/containerd/runc/k8s.io 2>/dev/null) ]]'

# ctr run --cni: the CNI bridge plugin makes the network in the task's own
# namespace after create; start hands it to the NIC that waits for it.
mkdir -p /etc/cni/net.d /opt/cni "$cwork/gw" && ln -sfn /usr/lib/cni /opt/cni/bin
cat >/etc/cni/net.d/10-vrun-test.conflist <<'CNI'
{"cniVersion": "1.0.0", "name": "vrun-test", "plugins": [
 {"type": "bridge", "bridge": "cni-vrun0", "isGateway": true, "ipMasq": true,
  "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.22.0.0/16"}]],
           "routes": [{"dst": "0.0.0.0/0"}]}}]}
CNI
echo "page from the host" >"$cwork/gw/index.html"
busybox httpd -f -p 8082 -h "$cwork/gw" &
gw_httpd=$!
run timeout 120 "${ctr[@]}" run --rm --cni "${runc[@]}" "$image" c3 \
	sh -c 'ip addr show eth0; ip route; wget -qO- http://10.22.0.1:8082/'
expect "ctr run --cni: the network CNI made after create reaches the guest (the host's page)" 0 \
	'^page from the host$' ""
check "... eth0 has an address of the CNI range and a default route" \
	bash -c 'grep -q "inet 10.22." <<<"$1" && grep -q "default via 10.22.0.1" <<<"$1"' _ "$out"
kill "$gw_httpd" 2>/dev/null
rm -f /etc/cni/net.d/10-vrun-test.conflist
kill "$containerd_pid" 2>/dev/null
wait "$containerd_pid" 2>/dev/null
umount /var/lib/containerd
rm -rf "$cwork"
