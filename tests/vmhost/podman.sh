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

# --preserve-fds: conmon passes the fd on to vrun, the process reads it.
printf 'from the host fd\n' >"$pwork/fd3"
run bash -c 'exec 3<"$1"; shift; exec timeout 120 "$@"' _ "$pwork/fd3" "${podman[@]}" run --rm --network none \
	--preserve-fds 1 "$image" sh -c 'cat <&3'
expect "podman run --preserve-fds 1: the process reads fd 3" 0 '^from the host fd$' ""

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
# The life of a container as Podman users see it: exit codes, the errors
# Podman turns into 127 and 126, run -d + exec + logs + pause + stop + rm,
# the options that reach the process, a terminal.
run timeout 120 "${podman[@]}" run --rm --network none "$image" true
expect "podman run true: 0" 0 "" ""
run timeout 120 "${podman[@]}" run --rm --network none "$image" sh -c 'exit 1'
expect "podman run: exit 1" 1 "" ""
run timeout 120 "${podman[@]}" run --rm --network none "$image" /no/such/program
expect "podman run of a missing command: 127" 127 "" '-'
run timeout 120 "${podman[@]}" run --rm --network none "$image" /etc/passwd
expect "podman run of a file that is not executable: 126" 126 "" '-'
mkdir -p "$pwork/vol" && chmod 0777 "$pwork/vol"
run timeout 120 "${podman[@]}" run --rm --network none --env FOO=bar --user 1000:1000 --workdir /tmp \
	--read-only -v "$pwork/vol:/data" "$image" \
	sh -c 'echo "FOO=$FOO uid=$(id -u) cwd=$(pwd)"; touch /x 2>/dev/null && echo root writable || echo root read-only; echo from the container >/data/f'
expect "podman run --env --user --workdir: the process has them" 0 '^FOO=bar uid=1000 cwd=/tmp$' ""
check "... --read-only: the root is read-only" grep -qx "root read-only" <<<"$out"
check "... -v: a file written in the container is on the host" \
	bash -c '[[ $(cat "$1/f") == "from the container" ]]' _ "$pwork/vol"
run timeout 120 script -qec "${podman[*]} run --rm -t --network none $image sh -c 'test -t 0 && test -t 1 && echo tty ok'" /dev/null
expect "podman run -t (through script): the process has a terminal" 0 'tty ok' ""
run timeout 120 "${podman[@]}" run -d --name life --network none -v "$pwork/vol:/data" "$image" \
	sh -c 'trap "echo got TERM; exit 0" TERM; echo started; while :; do sleep 1; done'
expect "podman run -d" 0 '^[0-9a-f]{64}$' ""
run timeout 60 "${podman[@]}" exec life sh -c 'echo in exec; exit 3'
expect "podman exec: output and exit code (3)" 3 '^in exec$' ""
# podman top with ps(1) options runs ps in the container (exec): the
# guest's processes.
run timeout 60 "${podman[@]}" top life -ef
expect "podman top -ef: the guest's processes, its PID 1 the container's" 0 '^ +1 root +sh -c trap' ""
# Without them Podman (psgo) reads /proc in the mount namespace of the
# container's pid, the VMM's main thread: there it is the container's
# (runtime/procview.h).  Its shell and its sleep, as it numbers them.
run timeout 60 "${podman[@]}" top life
expect "podman top: the container's processes from the VMM's /proc, PID 1 its shell" 0 \
	'^root +1 +0 +[0-9.]+ +[0-9.ms]+ +\? +[0-9.ms]+ +sh -c trap' ""
check "... and nothing of the host's" bash -c '(($(wc -l <<<"$1") <= 3)) && ! grep -qE "podman|conmon|vrun|init" <<<"$1"' _ "$out"
# The sleep is busybox run again through /proc/self/exe: until it names
# itself (prctl) its comm is "exe", a window a slow guest can show.
for try in 1 2 3 4 5; do
	run timeout 60 "${podman[@]}" top life pid ppid comm
	grep -qE '^[0-9]+ +1 +sleep$' <<<"$out" && break
	sleep 0.3
done
expect "podman top pid ppid comm: the shell's child is its sleep" 0 '^[0-9]+ +1 +sleep$' ""
# podman cp joins that namespace too, and copies beneath its root: the
# container's rootfs (under runc the container's own namespace).
printf 'from the host\n' >"$pwork/cp-in"
run timeout 60 "${podman[@]}" cp "$pwork/cp-in" life:/cp-in
expect "podman cp into the running container" 0 "" ""
run timeout 60 "${podman[@]}" exec life cat /cp-in
expect "... the container reads it" 0 '^from the host$' ""
check "... and the host's / is untouched" test ! -e /cp-in
run timeout 60 "${podman[@]}" exec life sh -c 'echo from the container >/cp-out'
run timeout 60 "${podman[@]}" cp life:/cp-out "$pwork/cp-out"
expect "podman cp out of the running container" 0 "" ""
check "... the host has the container's file" grep -qx "from the container" "$pwork/cp-out"
run timeout 60 "${podman[@]}" cp "$pwork/cp-in" life:/data/cp-vol
expect "podman cp into a volume of the running container" 0 "" ""
check "... it is in the volume's directory on the host" grep -qx "from the host" "$pwork/vol/cp-vol"
run timeout 30 "${podman[@]}" inspect -f '{{.State.Pid}} {{.Id}}' life
check "podman inspect: State.Pid is the VMM's pid (vrun state's)" \
	bash -c 'read -r pid id <<<"$1"; [[ $pid -gt 0 && $pid == $("$2" state "$id" | jq .pid) ]]' _ "$out" "$top/build/vrun"
run timeout 30 "${podman[@]}" pause life
expect "podman pause" 0 '^life$' ""
check "... State.Status is paused" bash -c '[[ $("$@" inspect -f "{{.State.Status}}" life) == paused ]]' _ "${podman[@]}"
run timeout 30 "${podman[@]}" unpause life
expect "podman unpause" 0 '^life$' ""
run timeout 60 "${podman[@]}" stop -t 20 life
expect "podman stop: the process's TERM handler runs" 0 '^life$' ""
check "... logs have its output before and after" \
	bash -c '[[ $("$@" logs life) == $'"'"'started\ngot TERM'"'"' ]]' _ "${podman[@]}"
check "... and its exit code is 0" bash -c '[[ $("$@" inspect -f "{{.State.ExitCode}}" life) == 0 ]]' _ "${podman[@]}"
run timeout 60 "${podman[@]}" rm life
expect "podman rm" 0 '^life$' ""
run timeout 120 "${podman[@]}" run -d --name stubborn --network none "$image" sleep 600
expect "podman run -d of a process that ignores TERM" 0 '^[0-9a-f]{64}$' ""
run timeout 60 "${podman[@]}" stop -t 2 stubborn
expect "podman stop -t 2: SIGKILL after the timeout" 0 '^stubborn$' '-'
check "... exit code 137" bash -c '[[ $("$@" inspect -f "{{.State.ExitCode}}" stubborn) == 137 ]]' _ "${podman[@]}"
run timeout 60 "${podman[@]}" rm stubborn
expect "podman rm of the stopped container" 0 '^stubborn$' ""
check "no vrun state left after them" bash -c '[[ -z $(ls /run/vrun 2>/dev/null | grep -v "^\.cache$") ]]'
umount /var/lib/containers
rm -rf "$pwork"
