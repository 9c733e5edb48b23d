#!/usr/bin/env bash
# The emulated KVM test host (tests/vmhost/run): exit statuses and output
# cross back, KVM works inside, and a timeout or a failed boot is reported
# rather than hanging.  Each boot costs seconds under TCG, so there are few.
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$top/tests/lib/tap.sh"
cd "$top" || exit 1
vmhost=tests/vmhost/run
emulated=1
if [[ -e /dev/kvm ]] && grep -qwE 'vmx|svm' /proc/cpuinfo; then emulated=0; fi

tests/vmhost/make-guest-initrd build/tests/guest-initrd.img build/guest
tests/vmhost/make-crash-kernel build/tests/crash-kernel
tests/vmhost/make-vmlinux build/guest/vmlinuz build/tests/vmlinux

# One boot of the test host runs every check that needs KVM (inside.sh);
# its TAP lines are passed on here, numbered as ours.
# Now and then QEMU 7.2's TCG loses an interrupt of a test host that runs
# nested guests and the test host halts for good (docs/performance.md,
# "The test host's freezes"); tests/vmhost/run's watchdog wakes it with a
# key press after 5 idle seconds.  A test host that still times out is
# booted once more; a second timeout fails (tests/vmhost/run stops a test
# host idle for 2 x VMHOST_STALL, 10 min, with its state: sooner than the
# timeout).  With two test-host
# vCPUs, a run of the container tests (some 25 guest boots) froze that way
# (soft lockups on both CPUs); with one it is about as fast, and froze
# once in six runs (at the 2-vCPU guest).  The in-host checks took 18 to
# 21 minutes here (some 45 guest boots of 15 to 30 s each, Podman's,
# containerd's, the guest attacks): 1800 s leaves room, and a run that is
# only slow is not taken for a frozen one and booted again.  Built with
# sanitizers (make check SANITIZE=...) every host-side program is slower:
# twice the time.
inside_timeout=1800
[[ -n ${SANITIZE:-} ]] && inside_timeout=3600
run_inside() {
	start=$(date +%s%N)
	run env VMHOST_TIMEOUT=$inside_timeout VMHOST_CPUS="${VMHOST_CPUS:-1}" "$vmhost" -- sh -c 'date +started=%s%N; exec tests/vmhost/inside.sh'
	echo "# the test host's run took $((($(date +%s%N) - start) / 1000000000)) s (status $rc)"
	grep '^vmhost: the test host woke' <<<"$err" | sed 's/^/# /'
}
run_inside
if ((rc == 124 && emulated)); then
	# Its stderr whole: a stall's report (tests/vmhost/run) is the state
	# of the test host's vCPUs, to find out why.
	echo "# the test host timed out or stalled; booting it once more. Its stderr:"
	tail -n 150 <<<"$err" | sed 's/^/#   /'
	run_inside
fi
expect "the in-host checks ran to the end; status 7 and stderr crossed back" 7 '^1\.\.[0-9]+$' '^inside: done$'
tap_line='^(ok|not ok) [0-9]+ - (.*)$'
while IFS= read -r line; do
	if [[ $line =~ $tap_line ]]; then
		tap_n=$((tap_n + 1))
		echo "${BASH_REMATCH[1]} $tap_n - inside: ${BASH_REMATCH[2]}"
	elif [[ $line == "#"* ]]; then
		echo "$line"
	fi
done <<<"$out"
started=$(sed -n 's/^started=//p' <<<"$out")
if [[ -n $started ]]; then
	ms=$(((started - start) / 1000000))
	echo "# the command started ${ms} ms after the call (target: 15000 ms)"
	check "the command starts within 30 s of the call" test "$ms" -lt 30000
else
	tap_fail "the command reports its start time" "no started= line in: $out"
fi

run "$vmhost" true
expect "vmhost/run true exits 0" 0 "" ""
run "$vmhost" false
expect "vmhost/run false exits 1" 1 "" ""

run env VMHOST_TIMEOUT=3 "$vmhost" sleep 60
expect "a command over VMHOST_TIMEOUT is reported, not a hang" 124 "" 'timed out after 3s \(VMHOST_TIMEOUT\) running: sleep 60'

if ((emulated)); then
	# A test host idle for VMHOST_KICK seconds gets a key press (a fresh
	# interrupt, which wakes one that QEMU left halted with an interrupt
	# pending: tests/vmhost/run); its keyboard's interrupt count goes up
	# while its command sleeps.  (Whether the end of the sleep comes right
	# after a key press, which is reported as a wake-up, is chance: stderr
	# is not checked.)
	run env VMHOST_KICK=5 "$vmhost" sh -c 'k() { awk "/i8042/ {for (i = 2; \$i ~ /^[0-9]+\$/; i++) n += \$i; print n + 0; exit}" /proc/interrupts; }
		a=$(k); sleep 16; b=$(k); echo "keyboard interrupts: $a -> $b"; [ "$b" -gt "$a" ]'
	expect "an idle test host gets the watchdog's key presses (its keyboard interrupts went up)" 0 \
		'^keyboard interrupts: [0-9]+ -> [0-9]+$' -
	# An idle test host looks like a stalled one: reported with its state,
	# sent an NMI, and stopped when it stays idle.
	run env VMHOST_STALL=5 VMHOST_TIMEOUT=300 "$vmhost" sleep 600
	expect "a test host idle for 2 x VMHOST_STALL after an NMI is stopped (124), not left to the timeout" 124 "" \
		'stopped the test host: idle for 10s, neither key presses nor the NMI woke it, running: sleep 600'
	check "... its vCPU's registers and local APIC came from QEMU's monitor" \
		bash -c 'grep -q "RIP=" <<<"$1" && grep -q "dumping local APIC state for CPU 0" <<<"$1"' _ "$err"
	check "... and its kernel saw the NMI" grep -q 'NMI received for unknown reason' <<<"$err"
	run env VMHOST_MEM=32 "$vmhost" true
	expect "a test host that cannot boot is reported with its console" 125 "" \
		'did not run the command to completion'
	check "the failed boot shows the console's last lines" grep -q 'test host console' <<<"$err"
else
	tap_skip "a test host that cannot boot" "hardware virtualization: commands run directly"
fi
tap_done
