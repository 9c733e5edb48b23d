# Podman 4.3 with vrun as its runtime, netavark networking: sourced by
# inside.sh after containers.sh (one test-host boot for all).  Each
# `podman run` boots a VM, so the cases are few.
if ! command -v podman >/dev/null || ! [[ -x /usr/lib/podman/netavark ]]; then
	tap_skip "podman with vrun" "podman or netavark is not installed (make deps installs them)"
	return 0 2>/dev/null || exit 0
fi
pwork=/tmp/vrun-podman
rm -rf "$pwork" && mkdir -p "$pwork"
# Podman's storage cannot sit on the test host's overlay root: a tmpfs.
mkdir -p /var/lib/containers && mount -t tmpfs tmpfs /var/lib/containers
modprobe tun
. tests/lib/oci-image.sh
tar -C "$bundles/base/rootfs" -cf "$pwork/base.tar" .
IMAGE_CONFIG='.config = {Cmd: ["sh"], Env: ["PATH=/bin"]}' new_image "$pwork/image" v1 "$pwork/base.tar"
podman=(podman --runtime "$top/build/vrun" --cgroup-manager cgroupfs --events-backend file)
"${podman[@]}" pull -q "oci:$pwork/image:v1" >/dev/null 2>&1
image=$("${podman[@]}" images -q | head -1)

# The first run through docs/containers.conf (vrun as the default runtime),
# the rest with --runtime.
sed "s|/usr/local/bin/vrun|$top/build/vrun|" docs/containers.conf >"$pwork/containers.conf"
pconf=(env CONTAINERS_CONF="$pwork/containers.conf" podman --cgroup-manager cgroupfs --events-backend file)
check "docs/containers.conf makes vrun Podman's runtime" \
	bash -c '[[ $("$@" info --format "{{.Host.OCIRuntime.Name}}") == vrun ]]' _ "${pconf[@]}"
run timeout 120 "${pconf[@]}" run --rm --network none "$image" sh -c 'echo hello from podman; ls /sys/class/net'
expect "podman run --rm with vrun: output; --network none has loopback only" 0 '^hello from podman$' ""
check "... and nothing but lo" bash -c '[[ $(tail -1 <<<"$1") == lo && $(wc -l <<<"$1") == 2 ]]' _ "$out"
run timeout 120 "${podman[@]}" run --rm --network none "$image" sh -c 'exit 42'
expect "podman run: the container's exit code (42)" 42 "" ""

# A web server in a container on the default bridge, published on the
# host; a server in the test host at the bridge's gateway (once the bridge
# is there).  (Debian's busybox-static `wget -T` segfaults, on the host
# too: not used.)
mkdir -p "$pwork/www" "$pwork/gw" && echo "page from the container" >"$pwork/www/index.html"
echo "page from the host" >"$pwork/gw/index.html"
run timeout 120 "${podman[@]}" run -d --name web --network bridge -p 18080:80 -v "$pwork/www:/www" \
	"$image" httpd -f -p 80 -h /www
expect "podman run -d --network bridge -p 18080:80: a web server in a vrun container" 0 '^[0-9a-f]{64}$' ""
run wget -qO- -T 20 http://127.0.0.1:18080/ # the test host's own wget
expect "a request from the test host to localhost:18080 gets the container's page" 0 \
	'^page from the container$' ""
web_ip=$("${podman[@]}" inspect -f '{{.NetworkSettings.IPAddress}}' web 2>/dev/null)
gateway=$("${podman[@]}" network inspect podman -f '{{range .Subnets}}{{.Gateway}}{{end}}' 2>/dev/null)
busybox httpd -f -p "$gateway:8081" -h "$pwork/gw" &
gw_httpd=$!
run timeout 120 "${podman[@]}" run --rm --network bridge "$image" \
	sh -c "wget -qO- http://$gateway:8081/; wget -qO- http://$web_ip:80/"
expect "another vrun container reaches the host at the gateway ($gateway) and the first by IP ($web_ip)" 0 \
	'^page from the host$' ""
check "... both pages came" grep -qx "page from the container" <<<"$out"
kill "$gw_httpd" 2>/dev/null
# httpd is PID 1 with no TERM handler, so SIGTERM does nothing (as under
# runc) and Podman says it resorts to SIGKILL.
run timeout 120 "${podman[@]}" rm -f -t 2 web
expect "podman rm -f (SIGTERM ignored by PID 1, then SIGKILL)" 0 '^web$' '-'
check "... the container is gone" bash -c '! "$@" container exists web' _ "${podman[@]}"
check "no tap and no ingress qdisc left, on the host or in any namespace" \
	bash -c '! ip link | grep -q vtap && for ns in $(ip netns list | cut -d" " -f1); do ! ip -n "$ns" link | grep -q vtap || exit 1; done'
check "no vrun state left" bash -c '[[ -z $(ls /run/vrun 2>/dev/null | grep -v "^\.cache$") ]]'
umount /var/lib/containers
rm -rf "$pwork"
