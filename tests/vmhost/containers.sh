# Containers in microVMs, through the runc verbs: sourced by inside.sh
# (one test-host boot for all).  Each `vrun run` or `create` boots a VM, so
# every case here earns its boot.
vrun=build/vrun
croot=$(mktemp -d /tmp/vrun-containers.XXXXXX)
scratch=$(mktemp -d /tmp/vrun-scratch.XXXXXX)
bundles=$top/build/tests/bundles
mkdir -p "$bundles"
tests/lib/make-bundle "$bundles/base" >/dev/null

. tests/lib/bundle.sh # bundle NAME ARG...

# Output on both streams, an exit code, and the guest's own kernel.
bundle streams sh -c 'echo "out from $(uname -r)"; echo err >&2; exit 42'
run timeout 120 $vrun --root "$croot" run --bundle "$bundles/streams" streams
expect "run: stdout and stderr come out apart, the exit code is the container's (42)" 42 \
	"^out from $(basename "$(readlink -f "${TEST_GUEST_KERNEL:-build/guest/vmlinuz}")" | sed 's/^vmlinuz-//')$" '^err$'
check "run removes the container after it exits" test ! -e "$croot/streams"

# stdin through cat, 20 MiB of output intact.
head -c $((20 << 20)) /dev/urandom >"$scratch/input"
bundle cat cat
started=$(date +%s%N)
run sh -c "timeout 180 $vrun --root $croot run --bundle $bundles/cat cat <$scratch/input | sha256sum"
ms=$((($(date +%s%N) - started) / 1000000))
expect "run: 20 MiB through stdin and back out of cat, digest intact" 0 \
	"^$(sha256sum <"$scratch/input" | cut -d' ' -f1)  -$" ""
echo "# 20 MiB through cat and back: $ms ms including the boot (nested under TCG)"

# The process's env, cwd and user.
edit='.process.env = ["PATH=/bin", "GREETING=hello there"] | .process.cwd = "/tmp" | .process.user = {"uid": 1000, "gid": 1000, "additionalGids": [5]}'
bundle who sh -c 'echo "$GREETING|$(pwd)|$(id -u):$(id -g)|$(id -G)|$HOME"; exit 0'
run timeout 120 $vrun --root "$croot" run --bundle "$bundles/who" who
expect "run: env, cwd, user 1000:1000, additional gids, HOME from /etc/passwd; exit 0" 0 \
	'^hello there\|/tmp\|1000:1000\|1000 5\|/home/user$' ""

# A directory of 4,200 files listed with their attributes: virtio-fs holds
# a descriptor for each node the guest knows, more than the 4,096 open
# files a process here may have by default (the VMM raises its limit;
# before, the lookups past it failed with EMFILE), and a file opened after
# them is read.  Then 3 MiB written in writes of 1 MiB, which the VMM
# writes to the file straight from the guest's buffers.
mkdir "$bundles/base/rootfs/many"
(cd "$bundles/base/rootfs/many" && seq 4200 | xargs touch)
edit='.root.readonly = false'
bundle many sh -c 'echo "$(ls -l /many | grep -c "^-") $(wc -c </bin/busybox)"; dd if=/dev/urandom of=/many/written bs=1M count=3 2>/dev/null && md5sum /many/written'
run timeout 120 $vrun --root "$croot" run --bundle "$bundles/many" many
expect "run: ls -l of 4,200 files over virtio-fs (a host descriptor each), then a file read" 0 \
	"^4200 $(stat -c %s "$bundles/base/rootfs/bin/busybox")$" ""
check "... 3 MiB written there in writes of 1 MiB: the host's file has the guest's digest" \
	grep -qx "$(md5sum <"$bundles/base/rootfs/many/written" | cut -d' ' -f1)  /many/written" <<<"$out"
rm -rf "$bundles/base/rootfs/many"

# create, start, state and kill: the lifecycle, the pid file, TERM.
bundle life sh -c 'trap "echo got TERM; exit 143" TERM; echo up; while :; do sleep 1; done'
run timeout 120 $vrun --root "$croot" create --bundle "$bundles/life" --pid-file "$croot/life.pid" life
expect "create: exit 0, nothing on stdout or stderr" 0 "" ""
run $vrun --root "$croot" state life
expect "state after create: created, with the VMM's pid" 0 '"status": "created"' ""
pid=$(cat "$croot/life.pid" 2>/dev/null)
check "the pid file holds the VMM pid, with no newline" test "$(jq -r .pid <<<"$out")" = "$pid" -a "$(wc -l <"$croot/life.pid")" = 0
check "the VMM is alive and is vrun" grep -q vrun "/proc/$pid/cmdline"
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null)
echo "# VMM RSS with a created container: ${rss:-?} KiB (256 MiB guest, what the guest touched counts)"
run timeout 60 $vrun --root "$croot" start life
expect "start: exit 0" 0 "" ""
run $vrun --root "$croot" state life
expect "state after start: running" 0 '"status": "running"' ""
# exec into the running container: its namespaces, output, exit code.
run timeout 60 $vrun --root "$croot" exec life sh -c 'echo "exec in $(hostname), init is $(cat /proc/1/comm)"; echo to-err >&2; exit 7'
expect "exec: output of the exec'd process, its exit code (7)" 7 '^exec in vrun, init is sh$' '^to-err$'
run timeout 60 $vrun --root "$croot" exec life grep -E '^(CapEff|NoNewPrivs):' /proc/self/status /proc/1/status
expect "exec: the process has the config's capabilities and noNewPrivileges, as init has" 0 \
	'^/proc/self/status:CapEff:\s+0000000020000420$' ""
check "... init's are the same" bash -c '[[ $(grep -c ":CapEff:\s*0000000020000420$\|:NoNewPrivs:\s*1$" <<<"$1") == 4 ]]' _ "$out"
run timeout 60 $vrun --root "$croot" exec --env EXTRA=1 --cwd /tmp --user 1000:1000 life sh -c 'echo "$EXTRA $(pwd) $(id -u)"'
expect "exec --env --cwd --user" 0 '^1 /tmp 1000$' ""
run timeout 60 $vrun --root "$croot" exec --user user:tty life sh -c 'echo "$(id -u):$(id -g)"'
expect "exec --user NAME:GROUP from the container's /etc/passwd and /etc/group" 0 '^1000:5$' ""
run timeout 60 $vrun --root "$croot" exec --user user life sh -c 'echo "$(id -u):$(id -g):$(id -G)"'
expect "exec --user NAME: its passwd group and the groups listing it in /etc/group" 0 '^1000:1000:1000 29 50$' ""
# The VMM locked down (vmm/lockdown.h), each thread by itself: a seccomp
# filter and no_new_privs on every one, no capabilities but on the
# virtio-fs threads, which keep CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH,
# FOWNER, FSETID and SETFCAP (0x8000001f).
vmm_threads() {
	local t
	for t in /proc/"$1"/task/*; do
		echo "$(cat "$t/comm") $(awk '/^Seccomp:/ {s = $2} /^CapEff:/ {e = $2} /^CapPrm:/ {p = $2}
			/^CapBnd:/ {b = $2} /^NoNewPrivs:/ {n = $2} END {print s, e, p, b, n}' "$t/status")"
	done
}
run vmm_threads "$pid"
echo "$out" | sed 's/^/# VMM thread: /'
check "the VMM: every thread has its seccomp filter (Seccomp: 2) and no_new_privs" \
	bash -c '[[ -n $1 ]] && ! grep -qv "^vrun-[a-z]* 2 [0-9a-f]* [0-9a-f]* [0-9a-f]* 1$" <<<"$1"' _ "$out"
check "... no capabilities but the virtio-fs threads' six" bash -c '! grep -v "^vrun-fs 2 000000008000001f 000000008000001f 000000008000001f 1$" <<<"$1" |
	grep -qv " 2 0000000000000000 0000000000000000 0000000000000000 1$"' _ "$out"
check "... each thread named for its job: the main one, the VM's, vCPU, event loop, virtio-fs, relays" \
	bash -c 'for n in vmm vm vcpu loop fs relay; do grep -q "^vrun-$n " <<<"$1" || exit 1; done' _ "$out"
check "... no core file (it would hold the guest's memory); open files up to the hard limit" \
	bash -c 'grep -Eq "^Max core file size +0 +0 " "$1" && awk "/^Max open files/ {exit \$4 != \$5}" "$1"' _ "/proc/$pid/limits"
# Its threads' root (runtime/vmm_root.h): the state dir, the rootfs and a
# /proc of processes, read-only; the host's other files are not there.
tid=$(grep -lx vrun-vcpu /proc/"$pid"/task/*/comm | head -1 | cut -d/ -f5)
troot=/proc/$pid/task/$tid/root
rootfs=$(jq -r .root.path "$bundles/life/config.json")
[[ $rootfs == /* ]] || rootfs=$bundles/life/$rootfs
echo "# a VMM thread's /: $(ls "$troot" 2>&1 | tr '\n' ' ')"
check "the VMM's threads see their state dir, the rootfs and /proc at their paths" \
	bash -c '[[ -S $1$2/vsock.sock_1024 && -x $1$3/bin/busybox && -r $1/proc/self/status ]]' _ "$troot" "$croot/life" "$rootfs"
check "... and nothing else of the host's: no /usr, /etc, /dev, /sys, /proc/sys" \
	bash -c 'for d in usr etc dev sys proc/sys; do [[ -e $1/$d ]] && exit 1; done; exit 0' _ "$troot"
check "... their / is read-only" bash -c 'awk "\$5 == \"/\" {print \$6}" "$1" | grep -q "^ro,"' _ "/proc/$pid/task/$tid/mountinfo"
# exec --preserve-fds: the host's fd 3 (a file read) and 4 (a file
# written) are the process's 3 and 4.
printf 'passed in\n' >"$scratch/fd3.in"
run bash -c 'exec 3<"$1" 4>"$2"; exec timeout 60 "$3" --root "$4" exec --preserve-fds 2 life sh -c "cat <&3; echo out-via-4 >&4"' _ "$scratch/fd3.in" "$scratch/fd4.out" "$vrun" "$croot"
expect "exec --preserve-fds 2: the process reads the host's fd 3" 0 '^passed in$' ""
check "... and what it wrote to its fd 4 is in the host's file" grep -qx out-via-4 "$scratch/fd4.out"
timeout 60 build/tests/console_recv "$scratch/exec-console.sock" $'typed\n' 40x120 >"$scratch/exec-tty.out" 2>"$scratch/exec-tty.err" &
recv_job=$!
for _ in $(seq 50); do [[ -S $scratch/exec-console.sock ]] && break; sleep 0.1; done
run timeout 60 $vrun --root "$croot" exec --tty --console-socket "$scratch/exec-console.sock" life \
	sh -c 'tty; read line; echo "got: $line"; echo "now $(stty size)"; exit 5'
expect "exec --tty --console-socket: the process's status (5), nothing on our own stdout" 5 "" ""
wait $recv_job
check "exec --tty: the console socket got the master, the process a guest pty, input reached it" \
	bash -c 'grep -q "^/dev/pts/" "$1" && grep -q "^got: typed" "$1"' _ "$scratch/exec-tty.out"
check "a resize of the exec's console master reached the process's terminal" grep -q '^now 40 120' "$scratch/exec-tty.out"
run timeout 60 $vrun --root "$croot" exec --tty --detach life true
expect "exec --tty --detach without a console socket is refused" 1 "" \
	'cannot allocate a terminal when detaching without --console-socket'
run timeout 60 $vrun --root "$croot" exec --user nobody-here life true
expect "exec --user with an unknown name" 1 "" 'no user named nobody-here'
run timeout 60 $vrun --root "$croot" exec life no-such-command
expect "exec of a missing command: 127, executable file not found" 127 "" 'executable file not found'
run timeout 60 $vrun --root "$croot" exec --detach --pid-file "$scratch/exec.pid" life sh -c 'sleep 1; exit 3'
expect "exec --detach returns at once" 0 "" ""
relay=$(cat "$scratch/exec.pid" 2>/dev/null)
check "exec --detach: the pid file names the relay process" test -n "$relay" -a -d "/proc/$relay"
for _ in $(seq 100); do [[ -d /proc/$relay ]] || break; sleep 0.1; done
check "the relay exits once the process has" test ! -d "/proc/$relay"
run timeout 60 $vrun --root "$croot" ps --format json life
expect "ps --format json: the pids the container sees, its init is 1" 0 '^\[(.*,)?1(,.*)?\]$' ""
run timeout 60 $vrun --root "$croot" ps life
expect "ps: a table of pids and commands" 0 '^1 +sh -c trap' ""
run $vrun --root "$croot" pause life
expect "pause: exit 0" 0 "" ""
run $vrun --root "$croot" state life
expect "state after pause: paused" 0 '"status": "paused"' ""
check "the VMM process is stopped" grep -q '^State:.*T' "/proc/$pid/status"
run $vrun --root "$croot" resume life
expect "resume: exit 0" 0 "" ""
run $vrun --root "$croot" state life
expect "state after resume: running" 0 '"status": "running"' ""
run $vrun --root "$croot" kill life TERM
expect "kill TERM: exit 0" 0 "" ""
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
run $vrun --root "$croot" state life
expect "after the process exits: stopped, pid 0" 0 '"status": "stopped"' ""
check "stopped state has pid 0" grep -q '"pid": 0' <<<"$out"
run $vrun --root "$croot" kill life KILL
expect "kill on a stopped container: container not running" 1 "" 'container not running'
run $vrun --root "$croot" delete life
expect "delete of the stopped container" 0 "" ""
check "delete removed its state, sockets and log" test ! -e "$croot/life"

# Passed fds at run: systemd's listening socket (LISTEN_FDS and
# LISTEN_PID naming vrun, as when systemd starts it) comes first: the
# process gets a TCP listening socket of the guest's at fd 3, with
# LISTEN_FDS=1 LISTEN_PID=1, and a connection to the host's arrives on
# it.  --preserve-fds 2 adds fd 4, a file it reads, and fd 5, a pipe it
# writes (whose reader on the host sees the end when the process exits).
cp build/tests/fdtool "$bundles/base/rootfs/bin/fdtool"
bundle passfds sh -c 'cat <&4; echo to-host >&5; exec fdtool serve'
rm -f "$scratch/fd5.fifo" && mkfifo "$scratch/fd5.fifo"
cat "$scratch/fd5.fifo" >"$scratch/fd5.out" &
fifo_reader=$!
timeout 120 build/tests/fdtool listen 127.0.0.1 5311 $vrun --root "$croot" run --preserve-fds 2 \
	--bundle "$bundles/passfds" passfds 4<"$scratch/fd3.in" 5>"$scratch/fd5.fifo" \
	>"$scratch/passfds.out" 2>"$scratch/passfds.err" &
passfds_job=$!
run timeout 120 build/tests/fdtool get 127.0.0.1 5311 hello
expect "a connection to the host's socket reaches the process's fd 3: a TCP listener, LISTEN_FDS=1 LISTEN_PID=1" \
	0 '^LISTEN_FDS=1 LISTEN_PID=1 family=inet got=hello$' ""
wait $passfds_job
passfds_rc=$?
check "run with passed fds: exit 0 ($(head -c 300 "$scratch/passfds.err"))" test $passfds_rc = 0
check "... fd 4, a file on the host, was read" grep -qx "passed in" "$scratch/passfds.out"
for _ in $(seq 50); do kill -0 $fifo_reader 2>/dev/null || break; sleep 0.1; done
check "... fd 5, a pipe, carried the line and then its end" \
	bash -c '! kill -0 $1 2>/dev/null && [[ $(cat "$2") == to-host ]]' _ $fifo_reader "$scratch/fd5.out"
kill $fifo_reader 2>/dev/null

# run in the background, TERM through `vrun kill` (the handler exits 143),
# and KILL: the VM goes with the VMM (137), as a process would.
bundle term sh -c 'trap "exit 143" TERM; while :; do sleep 1; done'
timeout 120 $vrun --root "$croot" run --bundle "$bundles/term" term >/dev/null 2>"$scratch/term.err" &
term_job=$!
bundle sleeper sleep 1000
timeout 120 $vrun --root "$croot" run --bundle "$bundles/sleeper" sleeper >/dev/null 2>"$scratch/sleeper.err" &
sleeper_job=$!
for _ in $(seq 600); do
	[[ $($vrun --root "$croot" state term 2>/dev/null | jq -r .status) == running &&
		$($vrun --root "$croot" state sleeper 2>/dev/null | jq -r .status) == running ]] && break
	sleep 0.1
done
run $vrun --root "$croot" list -q
expect "two containers run at once" 0 '^sleeper$' ""
check "list shows both" grep -qx term <<<"$out"
$vrun --root "$croot" kill term TERM
wait $term_job
rc=$?
check "run exits 143 after kill TERM (the process's TERM handler)" test $rc = 143
[[ $rc == 143 ]] || sed 's/^/# term: /' "$scratch/term.err"
run timeout 60 $vrun --root "$croot" exec --detach sleeper sleep 1000
run $vrun --root "$croot" ps --format json sleeper
check "an exec'd sleep runs beside the container's" grep -qE '^\[[0-9]+,[0-9]+(,[0-9]+)*\]$' <<<"$out"
$vrun --root "$croot" kill --all sleeper KILL
wait $sleeper_job
rc=$?
check "run exits 137 after kill --all KILL (every process of the container, init too)" test $rc = 137
[[ $rc == 137 ]] || sed 's/^/# sleeper: /' "$scratch/sleeper.err"
check "both were removed by run" test ! -e "$croot/term" -a ! -e "$croot/sleeper"

# A bad executable: create fails, says why, leaves nothing behind.
bundle missing no-such-command
run timeout 120 $vrun --root "$croot" create --bundle "$bundles/missing" missing
expect "create with a missing executable fails: executable file not found" 1 "" \
	'exec: "no-such-command": executable file not found in \$PATH'
check "and leaves no state directory" test ! -e "$croot/missing"
check "and no VMM process" sh -c '! pgrep -f "vrun --root $0 create" >/dev/null' "$croot"
edit='.process.args = ["/etc/passwd"]'
bundle noexec true
run timeout 120 $vrun --root "$croot" run --bundle "$bundles/noexec" noexec
expect "run of a file that is not executable: exit 126, permission denied" 126 "" 'permission denied'
# Bind mounts from the host (volumes, /etc/hosts): a directory written in
# the container shows on the host; a read-only file stays read-only.
mkdir -p "$scratch/volume" && echo "10.0.0.1 db" >"$scratch/hosts"
edit='.root.readonly = false | .mounts += [
	{"destination": "/data", "type": "bind", "source": "'"$scratch"'/volume", "options": ["rbind", "rw"]},
	{"destination": "/etc/hosts", "type": "bind", "source": "'"$scratch"'/hosts", "options": ["bind", "ro"]}]'
bundle volumes sh -c 'echo written-inside >/data/out; cat /etc/hosts; echo x >>/etc/hosts || echo "hosts is read-only"'
# (With --vmm-user: virtio-fs as nobody, by its capabilities.)
run timeout 120 $vrun --root "$croot" --vmm-user 65534:65534 run --bundle "$bundles/volumes" volumes
expect "bind mounts: a file mounted read-only, read in the container" 0 '^10\.0\.0\.1 db$' 'Read-only file system'
check "a write under a bind-mounted directory shows on the host" grep -qx written-inside "$scratch/volume/out"
check "... owned by the guest's user (root), though the VMM ran as nobody (--vmm-user)" \
	test "$(stat -c %u:%g "$scratch/volume/out")" = 0:0
check "the read-only file could not be written" grep -q 'hosts is read-only' <<<"$out"

# tmpcopyup (Podman's --read-only tmpfs mounts): a tmpfs over /bin that
# starts with what /bin held (busybox, which the process runs from, and its
# applet links), writable without touching the rootfs.
edit='.mounts += [{"destination": "/bin", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "mode=755"]}]'
bundle copyup sh -c 'grep -c " /bin tmpfs " /proc/mounts; readlink /bin/ls; touch /bin/new && echo wrote'
run timeout 120 $vrun --root "$croot" run --bundle "$bundles/copyup" copyup
expect "tmpcopyup: /bin is a tmpfs, and the process ran from the busybox copied into it" 0 '^1$' ""
check "... the applet links came too" grep -qxF "$(readlink "$bundles/base/rootfs/bin/ls")" <<<"$out"
check "... a file written there stays in the tmpfs" \
	bash -c 'grep -qx wrote <<<"$1" && test ! -e "$2/bin/new"' _ "$out" "$bundles/base/rootfs"

# A terminal: the master goes to the console socket (one fd, a name),
# the process runs on a pty in the guest, sized from consoleSize.
edit='.process.terminal = true | .process.consoleSize = {"height": 33, "width": 101}'
bundle tty sh -c 'tty; stty size; read line; echo "got: $line"; echo "now $(stty size)"'
timeout 120 build/tests/console_recv "$scratch/console.sock" $'hello tty\n' 40x120 >"$scratch/tty.out" 2>"$scratch/tty.err" &
recv_job=$!
for _ in $(seq 50); do [[ -S $scratch/console.sock ]] && break; sleep 0.1; done
run timeout 120 $vrun --root "$croot" run --console-socket "$scratch/console.sock" --bundle "$bundles/tty" tty
expect "run with a terminal and --console-socket: exit 0, nothing on our own stdout" 0 "" ""
wait $recv_job
check "the console socket got exactly one fd and a non-empty payload" grep -q '^console: fds=1 payload=/dev/pts/' "$scratch/tty.err"
check "the process's stdio is a terminal in the guest" grep -q '^/dev/pts/' "$scratch/tty.out"
check "its size came from consoleSize (33 rows, 101 columns)" grep -q '^33 101' "$scratch/tty.out"
check "input typed on the master reached it, through the guest's line discipline" grep -q '^got: hello tty' "$scratch/tty.out"
check "a resize of the master (SIGWINCH to the VMM) reached the guest's terminal" grep -q '^now 40 120' "$scratch/tty.out"

# With a terminal the runtime's own stdout and stderr are not the
# process's: go-runc reads them to their end before it goes on, so neither
# the VMM nor an exec --detach relay may keep them.  Piped through cat, a
# create (then an exec) ends though the container runs on.
edit='.process.terminal = true'
bundle tty2 sleep 600
for sock in console2 console3; do
	timeout 120 build/tests/console_recv "$scratch/$sock.sock" "" >/dev/null 2>&1 &
done
for _ in $(seq 50); do [[ -S $scratch/console3.sock ]] && break; sleep 0.1; done
run timeout 60 bash -c '"$@" 2>&1 | cat' _ $vrun --root "$croot" create --console-socket "$scratch/console2.sock" \
	--bundle "$bundles/tty2" tty2
expect "create with a terminal: its stdout and stderr end when it returns" 0 "" ""
$vrun --root "$croot" start tty2
run timeout 60 bash -c '"$@" 2>&1 | cat' _ $vrun --root "$croot" exec --tty --detach \
	--pid-file "$scratch/tty2-exec.pid" --console-socket "$scratch/console3.sock" tty2 sleep 600
expect "exec --tty --detach: its stdout and stderr end when it returns" 0 "" ""
relay=$(cat "$scratch/tty2-exec.pid" 2>/dev/null)
check "... while its relay runs on" test -n "$relay" -a -d "/proc/$relay"
$vrun --root "$croot" delete --force tty2

# Hooks: the host's with the state on stdin, the guest's (createContainer,
# startContainer) inside the VM with the container's root; all in the
# order runtime-spec gives.  The rootfs is the host's directory, so what
# the guest's hooks write there shows here.
order=$bundles/base/rootfs/hook-order
rm -f "$order" "$bundles/base/rootfs/"hook-*.json
host_hook() { echo '{"path": "/bin/sh", "args": ["sh", "-c", "cat > '"$scratch"'/'"$1"'.json; echo '"$1"' >> '"$order"'"]}'; }
guest_hook() { echo '{"path": "/bin/sh", "args": ["sh", "-c", "cat > /hook-'"$1"'.json; echo '"$1"' >> /hook-order"], "env": ["PATH=/bin"]}'; }
edit='.root.readonly = false | .hooks = {"createRuntime": ['"$(host_hook createRuntime)"'], "prestart": ['"$(host_hook prestart)"'],
	"createContainer": ['"$(guest_hook createContainer)"'], "startContainer": ['"$(guest_hook startContainer)"'],
	"poststart": ['"$(host_hook poststart)"'], "poststop": ['"$(host_hook poststop)"']}'
bundle hooks grep -c startContainer /hook-order
run timeout 120 $vrun --root "$croot" run --bundle "$bundles/hooks" hooks
expect "run with hooks of all six kinds; startContainer ran before the process" 0 '^1$' ""
check "prestart got the state on stdin: created, with the VMM pid" \
	jq -e '.id == "hooks" and .status == "created" and .pid > 0' "$scratch/prestart.json"
check "poststart saw it running" jq -e '.status == "running"' "$scratch/poststart.json"
check "poststop ran once it was gone" jq -e '.id == "hooks" and .status == "stopped"' "$scratch/poststop.json"
check "createContainer ran in the guest: creating, pid 1 as the container sees it, the host's bundle" \
	jq -e '.id == "hooks" and .status == "creating" and .pid == 1 and .bundle == "'"$bundles/hooks"'"' \
	"$bundles/base/rootfs/hook-createContainer.json"
check "startContainer ran in the guest: created" jq -e '.status == "created"' \
	"$bundles/base/rootfs/hook-startContainer.json"
check "the hooks ran in runtime-spec's order" test "$(tr '\n' ' ' <"$order")" = \
	"createRuntime prestart createContainer startContainer poststart poststop "
rm -f "$order" "$bundles/base/rootfs/"hook-*.json
edit='.hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "echo not today; exit 4"]}]}'
bundle badstart sh -c 'echo must not run'
run timeout 120 $vrun --root "$croot" create --bundle "$bundles/badstart" badstart
expect "create with a startContainer hook that will fail" 0 "" ""
run timeout 60 $vrun --root "$croot" start badstart
expect "a failing startContainer hook fails start, with its output" 1 "" \
	'startContainer hook /bin/sh: exit status 4: not today'
for _ in $(seq 50); do [[ $($vrun --root "$croot" state badstart 2>/dev/null | jq -r .status) == stopped ]] && break; sleep 0.2; done
run $vrun --root "$croot" state badstart
expect "and the container is stopped" 0 '"status": "stopped"' ""
run $vrun --root "$croot" delete badstart
expect "delete after the failed start" 0 "" ""
edit='.root.readonly = false | .hooks = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "echo no network for you; exit 3"]}]}'
bundle badhook true
run timeout 120 $vrun --root "$croot" create --bundle "$bundles/badhook" badhook
expect "a failing createRuntime hook fails create, with its output" 1 "" \
	'createRuntime hook /bin/sh: exit status 3: no network for you'
check "and leaves nothing behind" test ! -e "$croot/badhook"
# Networking: a network namespace as Podman or CNI leave it (a veth pair,
# the container's end addressed and routed), a web server on the host end.
modprobe tun # the test host loads it only when asked: /dev/net/tun comes with it
ip netns add vrun-c1
ip link add vh1 type veth peer name eth0 netns vrun-c1
ip addr add 10.77.0.1/24 dev vh1 && ip link set vh1 up
ip -n vrun-c1 link set eth0 address 02:00:0a:4d:00:02 mtu 1400 up
ip -n vrun-c1 addr add 10.77.0.2/24 dev eth0
ip -n vrun-c1 route add default via 10.77.0.1
ip addr add fd00:77::1/64 dev vh1 nodad
ip -n vrun-c1 addr add fd00:77::2/64 dev eth0 nodad
mkdir -p "$scratch/www" && echo "hello over the network" >"$scratch/www/index.html"
busybox httpd -f -p 10.77.0.1:8080 -h "$scratch/www" &
httpd_pid=$!
busybox httpd -f -p '[fd00:77::1]:8081' -h "$scratch/www" &
httpd6_pid=$!
edit='.linux.namespaces |= map(if .type == "network" then .path = "/var/run/netns/vrun-c1" else . end)'
bundle net sh -c 'cat /sys/class/net/eth0/address /sys/class/net/eth0/mtu; ip addr show eth0; ip route; wget -qO- http://10.77.0.1:8080/; wget -qO- "http://[fd00:77::1]:8081/" | sed "s/^/v6: /"'
run timeout 120 $vrun --root "$croot" run --bundle "$bundles/net" net
expect "a container in a network namespace reaches a server on the host end of its veth" 0 \
	'^hello over the network$' ""
check "... over IPv6 too (fd00:77::2 → fd00:77::1)" bash -c 'grep -q "inet6 fd00:77::2/64" <<<"$1" && grep -qx "v6: hello over the network" <<<"$1"' _ "$out"
check "the guest's eth0 has the veth's MAC and MTU" bash -c 'grep -qx 02:00:0a:4d:00:02 <<<"$1" && grep -qx 1400 <<<"$1"' _ "$out"
check "... its address, and the default route" bash -c 'grep -q "inet 10.77.0.2/24" <<<"$1" && grep -q "default via 10.77.0.1" <<<"$1"' _ "$out"
check "after the container: no tap and no ingress qdisc left in the namespace" \
	bash -c '! ip -n vrun-c1 link | grep -q vtap && ! tc -n vrun-c1 qdisc show dev eth0 | grep -q ingress'
check "... and the veth is as it was" bash -c 'ip -n vrun-c1 -o addr show dev eth0 | grep -q "10.77.0.2/24"'
# Segmentation offload: 4 MiB each way through the tap.  The guest's eth0
# counts what the device handed it and what it handed the device, so
# bytes per packet above the MTU mean TSO frames crossed the tap.  Each
# way is sent with sendfile (busybox httpd), so the sender always has the
# data queued: a sender that writes a few KiB at a time (nc) in a guest
# slower than the host's ACKs sends one segment per skb, which says
# nothing about the device.  The host fetches the guest's copy, then asks
# for /done: the guest's server logs that 404, and the guest reports.
head -c 4194304 /dev/urandom >"$scratch/www/big"
(
	for _ in $(seq 1 200); do
		[[ -e $scratch/tso-stop ]] && exit 0
		timeout 60 busybox wget -qO "$scratch/upload" http://10.77.0.2:8080/big 2>/dev/null && break
		sleep 1
	done
	timeout 30 busybox wget -qO /dev/null http://10.77.0.2:8080/done 2>/dev/null
) &
fetch_pid=$!
edit='.linux.namespaces |= map(if .type == "network" then .path = "/var/run/netns/vrun-c1" else . end)'
# (one line: make-bundle takes an argument per line)
bundle nettso sh -c 's=/sys/class/net/eth0/statistics; rb=$(cat $s/rx_bytes) rp=$(cat $s/rx_packets); wget -qO /dev/shm/big http://10.77.0.1:8080/big && md5sum </dev/shm/big; echo "rx bytes/packet $((($(cat $s/rx_bytes) - rb) / ($(cat $s/rx_packets) - rp)))"; tb=$(cat $s/tx_bytes) tp=$(cat $s/tx_packets); httpd -f -v -p 8080 -h /dev/shm 2>/dev/shm/log & i=0; until grep -q response:404 /dev/shm/log || [ $i -ge 240 ]; do sleep 1; i=$((i + 1)); done; echo "tx bytes/packet $((($(cat $s/tx_bytes) - tb) / ($(cat $s/tx_packets) - tp)))"'
run timeout 300 $vrun --root "$croot" run --bundle "$bundles/nettso" nettso
# The container is gone: a fetch still trying (its server never came up)
# stops now rather than after its 200 tries.
touch "$scratch/tso-stop"
pkill -P "$fetch_pid" 2>/dev/null
wait "$fetch_pid" 2>/dev/null || true
expect "4 MiB from the host to the guest arrive intact" 0 "^$(md5sum <"$scratch/www/big" | cut -d' ' -f1) " ""
check "... and 4 MiB back from the guest" cmp -s "$scratch/www/big" "$scratch/upload"
check "the host's segments reach the guest unsplit (TSO frames above the 1400 MTU)" \
	bash -c '(($(sed -n "s/^rx bytes\/packet //p" <<<"$1") > 1414))' _ "$out"
check "the guest sends TSO frames (above the MTU) through the tap" \
	bash -c '(($(sed -n "s/^tx bytes\/packet //p" <<<"$1") > 1414))' _ "$out"
# The VMM killed: its tap goes with it, delete takes the filters off.
edit='.linux.namespaces |= map(if .type == "network" then .path = "/var/run/netns/vrun-c1" else . end)'
bundle netkill sleep 600
run timeout 120 $vrun --root "$croot" run --detach --bundle "$bundles/netkill" netkill
expect "a networked container, detached" 0 "" ""
check "while it runs: the tap and the redirect are there" \
	bash -c 'ip -n vrun-c1 link | grep -q vtap && tc -n vrun-c1 filter show dev eth0 ingress | grep -q "Redirect to device vtap"'
kill -9 "$($vrun --root "$croot" state netkill | jq -r .pid)"
for _ in $(seq 50); do [[ $($vrun --root "$croot" state netkill 2>/dev/null | jq -r .status) == stopped ]] && break; sleep 0.2; done
check "SIGKILL to the VMM: the tap went with it" bash -c '! ip -n vrun-c1 link | grep -q vtap'
run $vrun --root "$croot" delete netkill
expect "delete of the killed container" 0 "" ""
check "... took the ingress qdisc off the veth" bash -c '! tc -n vrun-c1 qdisc show dev eth0 | grep -q ingress'
kill "$httpd_pid" "$httpd6_pid" 2>/dev/null
ip netns del vrun-c1
# A network namespace without a path is a new one (as runc makes it): the
# VMM's own, not the host's, so what a caller does to /proc/PID/ns/net does
# not touch the host.
bundle nonet sh -c 'ls /sys/class/net'
run timeout 120 $vrun --root "$croot" --debug run --detach --bundle "$bundles/nonet" nonet
pid=$($vrun --root "$croot" state nonet | jq -r .pid)
check "a network namespace without a path: the VMM has one of its own" \
	test "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)"
for _ in $(seq 100); do [[ $($vrun --root "$croot" state nonet 2>/dev/null | jq -r .status) == stopped ]] && break; sleep 0.2; done
run $vrun --root "$croot" delete nonet
edit='.linux.namespaces |= map(select(.type != "network"))'
bundle nonet2 sh -c 'ls /sys/class/net'
run timeout 120 $vrun --root "$croot" --debug run --bundle "$bundles/nonet2" nonet2
expect "no network namespace at all: loopback only in the guest, and --debug says so" 0 '^lo$' \
	'no network namespace path in config.json: the guest has loopback only'

# The VM's shape: memory from the memory limit (less vrun's 16 MiB), vCPUs
# from the CPU quota (at most the host's), kernel arguments from an
# annotation; the guest kernel does not probe for a keyboard controller
# (a probe of the VMM's reset-only i8042 waits out its timeout: seconds).
# Its cgroup: the VMM in cgroupsPath with the limits, seen by a
# createRuntime hook (on the host, the VMM's pid in its state); gone after.
edit='.linux.resources = {memory: {limit: 402653184}, cpu: {quota: 200000, period: 100000}}
	| .linux.cgroupsPath = "/vrun-test/shape"
	| .annotations = {"io.vrun.kernel_cmdline": "vrun.test=shape"}
	| .process.capabilities.bounding += ["CAP_SYSLOG"] | .process.capabilities.permitted += ["CAP_SYSLOG"]
	| .process.capabilities.effective += ["CAP_SYSLOG"]
	| .hooks = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c",
		"p=$(jq -r .pid); { cat /proc/$p/cgroup; cat /sys/fs/cgroup/vrun-test/shape/memory.max /sys/fs/cgroup/vrun-test/shape/cpu.max; } >'"$scratch"'/cgroup"]}]}'
bundle shape sh -c 'grep MemTotal /proc/meminfo; echo "cpus $(grep -c ^processor /proc/cpuinfo)"; cat /proc/cmdline; dmesg | grep i8042'
run timeout 120 $vrun --root "$croot" run --bundle "$bundles/shape" shape
expect "a container with a 384 MiB limit and 2 CPUs of quota" 0 "vrun.test=shape" ""
check "... has a guest of 368 MiB (less what the kernel keeps)" \
	bash -c 'kb=$(awk "/MemTotal/ {print \$2}" <<<"$1"); ((kb > 300 * 1024 && kb <= 368 * 1024))' _ "$out"
want_cpus=$(($(nproc) < 2 ? $(nproc) : 2))
check "... and $want_cpus vCPUs" grep -qx "cpus $want_cpus" <<<"$out"
check "... whose kernel found no i8042 in ACPI and did not probe one" \
	bash -c 'grep -q "i8042: PNP: No PS/2 controller found" <<<"$1" && ! grep -q "CTR" <<<"$1"' _ "$out"
check "... its VMM in cgroupsPath, limited to 384 MiB and 2 CPUs" \
	bash -c 'printf "0::/vrun-test/shape\n402653184\n200000 100000\n" | diff - "$1"' _ "$scratch/cgroup"
check "... and the cgroup is removed with the container" test ! -e /sys/fs/cgroup/vrun-test/shape
# update: the cgroup's limits change on a running VM; its memory cannot
# shrink below what the guest was given.
cg=/sys/fs/cgroup/vrun-test/upd
edit='.linux.cgroupsPath = "/vrun-test/upd" | .linux.resources = {memory: {limit: 536870912}}'
bundle upd sleep 600
run timeout 120 $vrun --root "$croot" run --detach --bundle "$bundles/upd" upd
expect "a detached container in a cgroup of its own" 0 "" ""
run bash -c 'echo "{\"cpu\": {\"quota\": 50000, \"period\": 100000}, \"memory\": {\"limit\": 1073741824}}" |
	"$@" update --resources - upd' _ $vrun --root "$croot"
expect "update --resources - (as containerd sends it)" 0 "" ""
check "... changed cpu.max and memory.max of the VMM's cgroup" \
	bash -c '[[ $(cat "$1/cpu.max") == "50000 100000" && $(cat "$1/memory.max") == 1073741824 ]]' _ "$cg"
echo '{"memory": {"limit": 134217728}}' >"$scratch/small.json"
run $vrun --root "$croot" update --resources="$scratch/small.json" upd
expect "update to a memory limit below the guest's is refused" 1 "" \
	'memory.limit 134217728 is below what the running VM needs \(512 MiB: a 496 MiB guest and 16 MiB for the VMM\)'
check "... and memory.max is as it was" bash -c '[[ $(cat "$1/memory.max") == 1073741824 ]]' _ "$cg"
echo '{"pids": {"limit": 77}}' >"$scratch/pids.json"
run $vrun --root "$croot" update --resources "$scratch/pids.json" upd
expect "update of pids.limit (it applies in the guest)" 0 "" ""
run timeout 60 $vrun --root "$croot" exec upd cat /sys/fs/cgroup/pids.max
expect "... the container's pids.max is the new limit" 0 '^77$' ""
run $vrun --root "$croot" delete --force upd
expect "delete --force of the updated container" 0 "" ""
check "... removed its cgroup" test ! -e "$cg"
rmdir /sys/fs/cgroup/vrun-test
edit='.linux.resources = {memory: {limit: 33554432}}'
bundle tiny true
run timeout 120 $vrun --root "$croot" create --bundle "$bundles/tiny" tiny
expect "a memory limit too small for a VM is refused at create" 1 "" \
	'memory.limit: 33554432 bytes is too small for a microVM: at least 80 MiB'
check "... and leaves nothing behind" test ! -e "$croot/tiny"

# pids.limit applies in the guest: the container's processes are in a
# cgroup of the guest's with it as pids.max (the root of the container's
# own cgroup namespace), and forks past it fail (the subshell starting 20
# sleeps gives up; the shell, it and 14 sleeps make 16).
edit='.linux.resources.pids = {"limit": 16}'
bundle pids sh -c 'read max </sys/fs/cgroup/pids.max; echo "max $max"; (i=0; while [ $i -lt 20 ]; do sleep 30 & i=$((i+1)); done); read n </sys/fs/cgroup/pids.current; echo "current $n"'
run timeout 120 $vrun --root "$croot" run --bundle "$bundles/pids" pids
expect "pids.limit 16: the container's pids.max, and forks past it fail" 0 '^max 16$' "can't fork"
check "... 15 processes left once the subshell gave up ($out)" grep -qx "current 15" <<<"$out"

# The OCI process security model in the guest, seen from inside: the
# capability sets, noNewPrivileges, a seccomp profile (an errno of its own
# for mkdir, chmod refused only for mode 0777), masked and read-only
# paths, a sysctl and oomScoreAdj.
caps='["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"]'
edit=".process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps, inheritable: [], ambient: []}
 | .process.noNewPrivileges = true | .process.oomScoreAdj = 123
 | .linux.sysctl = {\"kernel.domainname\": \"vrun.test\"}
 | .linux.maskedPaths = [\"/proc/kcore\", \"/sys/firmware\", \"/no/such/path\"]
 | .linux.readonlyPaths = [\"/proc/sys\"]
 | .linux.seccomp = {defaultAction: \"SCMP_ACT_ALLOW\", architectures: [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"],
     syscalls: [{names: [\"mkdir\", \"mkdirat\"], action: \"SCMP_ACT_ERRNO\", errnoRet: 95},
                {names: [\"chmod\"], action: \"SCMP_ACT_ERRNO\", args: [{index: 1, value: 511, op: \"SCMP_CMP_EQ\"}]},
                {names: [\"fchmodat\"], action: \"SCMP_ACT_ERRNO\", args: [{index: 2, value: 511, op: \"SCMP_CMP_EQ\"}]},
                {names: [\"no_such_syscall\"], action: \"SCMP_ACT_KILL\"}]}"
bundle secure sh -c 'grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status; mkdir /dev/shm/d 2>&1; touch /dev/shm/f; chmod 755 /dev/shm/f && echo chmod 755 ok; chmod 777 /dev/shm/f 2>&1; echo "kcore $(wc -c </proc/kcore) firmware $(ls /sys/firmware | wc -l)"; echo "proc/sys $(grep " /proc/sys " /proc/mounts | cut -d" " -f4 | cut -d, -f1)"; echo "domainname $(cat /proc/sys/kernel/domainname) oom $(cat /proc/self/oom_score_adj)"'
run timeout 120 $vrun --root "$croot" run --bundle "$bundles/secure" secure
expect "security: the container runs with its profile" 0 '^CapEff:\s+0000000000000421$' ""
check "... bounding and permitted sets are the config's, inheritable and ambient empty" bash -c \
	'grep -qx "CapBnd:\s*0000000000000421" <<<"$1" && grep -qx "CapPrm:\s*0000000000000421" <<<"$1" &&
	 grep -qx "CapInh:\s*0000000000000000" <<<"$1" && grep -qx "CapAmb:\s*0000000000000000" <<<"$1"' _ "$out"
check "... NoNewPrivs 1, Seccomp 2 (a filter)" bash -c 'grep -qx "NoNewPrivs:\s*1" <<<"$1" && grep -qx "Seccomp:\s*2" <<<"$1"' _ "$out"
check "... mkdir fails with the profile's errno (95, not supported)" grep -qi "mkdir: can't create directory '/dev/shm/d': .*not supported" <<<"$out"
check "... chmod 755 runs, chmod 777 is refused (EPERM, the default errno)" bash -c \
	'grep -qx "chmod 755 ok" <<<"$1" && grep -q "chmod: /dev/shm/f: Operation not permitted" <<<"$1"' _ "$out"
check "... masked: /proc/kcore empty, /sys/firmware an empty directory" grep -qx "kcore 0 firmware 0" <<<"$out"
check "... /proc/sys read-only; the sysctl and oomScoreAdj applied" bash -c \
	'grep -qx "proc/sys ro" <<<"$1" && grep -qx "domainname vrun.test oom 123" <<<"$1"' _ "$out"

# A hostile guest (tests/tools/guest_attack.c): root in a container with
# every capability and a writable /sys takes a virtio device from the
# guest kernel and drives its queue itself.  The VMM must serve on (or end
# the VM cleanly), and nothing outside the exports may change.
cp build/tests/guest_attack "$bundles/base/rootfs/bin/guest_attack"
caps=$(printf '"CAP_%s",' CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID \
	SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER \
	SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE \
	SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN \
	SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE | sed 's/,$//')
privileged=".process.capabilities = {bounding: [$caps], effective: [$caps], permitted: [$caps]}
	| .mounts |= map(if .destination == \"/sys\" then .options -= [\"ro\"] else . end)"
# One guest, two devices: virtio-rng first (the guest kernel does not need
# it), then the `mounts` share (entry: the bind mount's index).
mkdir -p "$scratch/attack/vol" && echo in >"$scratch/attack/vol/inside" && echo canary >"$scratch/attack/canary"
outside() { (cd "$scratch" && find . -path ./attack/vol -prune -o -printf '%p %s %m\n' | sort | md5sum); }
before=$(outside)
edit="$privileged | .mounts += [{destination: \"/data\", type: \"bind\", source: \"$scratch/attack/vol\", options: [\"rbind\", \"rw\"]}]"
bundle attack sh -c 'guest_attack rng; guest_attack fs "$(cat /attack-entry)"'
jq '.mounts | map(.destination) | index("/data")' "$bundles/attack/config.json" >"$bundles/base/rootfs/attack-entry"
run timeout 300 $vrun --root "$croot" --vmm-user 65534:65534 run --bundle "$bundles/attack" attack
expect "guest attack on virtio-rng: a well-formed request is served first" 0 '^rng sanity: ok' -
check "... then looping chains, addresses outside memory, 4 GiB lengths, bad indirect tables, a runaway avail index, garbage in every register: the device still serves" \
	grep -q '^rng after: ok' <<<"$out"
echo "$err" | head -8 | sed 's/^/# attack stderr: /'
check "... and its warnings did not flood the host's log (five from a place, then one saying the rest go to --debug)" \
	bash -c '(($(grep -c "virtio-rng" <<<"$1") <= 12)) && grep -q "and more like it from the guest" <<<"$1"' _ "$err"
check "guest attack on virtio-fs (the mounts share): raw FUSE requests are served" grep -q '^fs sanity: ok' <<<"$out"
check "... .., /, names without NUL, lying lengths, creates, renames, links and symlinks out: none escapes" \
	grep -q '^fs escapes: 0$' <<<"$out"
check "... 4 GiB reads, 1 GiB writes, writes at the end of the offsets, replies nowhere: the server serves on" \
	grep -q '^fs after: ok' <<<"$out"
check "... and nothing beside the export changed" \
	bash -c '[[ $1 == "$2" ]] && [[ $(cat "$3") == canary ]] && ! ls / | grep -qxE "escape|moved|linked|b"' \
	_ "$before" "$(outside)" "$scratch/attack/canary"
# vsock: 100 connections to ports nobody listens on, then a flood to a
# host socket whose reader never reads: the VMM's memory stays bounded.
# The VMM runs as nobody: the listener lets it connect.
bundle attack-vsock sh -c 'guest_attack vsock 100 7777 256; sleep 4'
$vrun --root "$croot" --vmm-user 65534:65534 create --bundle "$bundles/attack-vsock" --pid-file "$scratch/attack.pid" attack-vsock \
	>"$scratch/attack-vsock.out" 2>&1
vpid=$(cat "$scratch/attack.pid" 2>/dev/null)
python3 -c 'import os, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777); s.listen(1)
c, _ = s.accept(); time.sleep(90)' \
	"$croot/attack-vsock/vsock.sock_7777" 2>"$scratch/listener.err" &
listener=$!
for _ in $(seq 1 100); do [[ -S $croot/attack-vsock/vsock.sock_7777 ]] && break; sleep 0.2; done
sed 's/^/# listener: /' "$scratch/listener.err"
rss_before=$(awk '/^VmRSS/ {print $2}' "/proc/$vpid/status" 2>/dev/null)
$vrun --root "$croot" start attack-vsock
for _ in $(seq 1 240); do grep -q '^flood:' "$scratch/attack-vsock.out" && break; sleep 0.5; done
rss_flood=$(awk '/^VmRSS/ {print $2}' "/proc/$vpid/status" 2>/dev/null)
uids=$(cat /proc/"$vpid"/task/*/status 2>/dev/null | grep '^Uid:' | sort | uniq -c)
for _ in $(seq 1 60); do [[ -e /proc/$vpid ]] || break; sleep 1; done
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
run $vrun --root "$croot" state attack-vsock
check "guest attack on vsock: 100 refused connections and a flood, and the container ends normally" \
	bash -c 'grep -q "^vsock after: ok" "$1" && grep -q "\"status\": \"stopped\"" <<<"$2"' _ "$scratch/attack-vsock.out" "$out"
sed 's/^/# attack-vsock: /' "$scratch/attack-vsock.out"
echo "# VMM RSS ${rss_before:-?} KiB before, ${rss_flood:-?} KiB during the flood"
check "... the VMM's memory grew by less than 32 MiB while the host's reader never read" \
	bash -c '[[ -n $1 && -n $2 ]] && (($2 - $1 < 32768))' _ "$rss_before" "$rss_flood"
echo "$uids" | sed 's/^/# attack-vsock VMM threads: /'
check "... every thread of its VMM ran as 65534 (--vmm-user)" \
	bash -c '[[ $(wc -l <<<"$1") == 1 ]] && grep -qP "^ *[0-9]+ Uid:\t65534\t65534\t65534\t65534$" <<<"$1"' _ "$uids"
$vrun --root "$croot" delete --force attack-vsock >/dev/null 2>&1

# run --image: the image unpacked once into the cache, each container
# writing to a layer of its own over it.
. tests/lib/oci-image.sh
tar -C "$bundles/base/rootfs" -cf "$scratch/base.tar" .
IMAGE_CONFIG='.config = {Cmd: ["sh", "-c", "echo from the image"], Env: ["PATH=/bin"]}' \
	new_image "$scratch/image" v1 "$scratch/base.tar"
export VRUN_DATA_DIR=$scratch/data
run timeout 120 $vrun --root "$croot" run --image "$scratch/image" --rm img1
expect "run --image --rm: the image's command" 0 '^from the image$' ""
check "--rm removed the container's layer" test ! -e "$scratch/data/containers/img1"
cached=$(ls "$scratch/data/images")
inode=$(stat -c %i "$scratch/data/images/$cached/rootfs/bin/busybox" 2>/dev/null)
run timeout 120 $vrun --root "$croot" run --image "$scratch/image:v1" img2 -- sh -c 'echo hello >/etc/greeting; echo written'
expect "run --image with a command instead of the image's" 0 '^written$' ""
check "the write went to the container's own layer" grep -qx hello "$scratch/data/containers/img2/upper/etc/greeting"
check "the cached image is untouched" test ! -e "$scratch/data/images/$cached/rootfs/etc/greeting"
check "the second run used the cache (one image, the same files)" \
	test "$(ls "$scratch/data/images")" = "$cached" -a "$(stat -c %i "$scratch/data/images/$cached/rootfs/bin/busybox")" = "$inode"
run timeout 120 $vrun --root "$croot" run --image "$scratch/image" img2
expect "a second container of the same id while its layer is there is refused" 1 "" \
	'containers/img2 exists: the layer of an earlier container of this id'
unset VRUN_DATA_DIR
rm -rf "$croot" "$scratch"
