#!/usr/bin/env bash
# The checks that need a hardware-style /dev/kvm, run in one test-host boot
# by test_vmhost.sh (or directly on a host with VT-x/AMD-V).  Prints TAP
# lines, then exits 7 with a line on stderr so that the caller also sees a
# status and stderr cross back.
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAP_SLOW=10 # where the time goes, in CI's log
. "$top/tests/lib/tap.sh"
cd "$top" || exit 1
boot=build/tests/vmm_boot
kernel=build/guest/vmlinuz
initrd=build/tests/guest-initrd.img
cmdline="console=ttyS0 reboot=k panic=-1 pci=off quiet"

# vrun check: every line ok, a probe VM boots, virtio-rng binds.
root=$(mktemp -d)
run build/vrun --root "$root" check
expect "vrun check exits 0 and prints the boot time" 0 '^ok +boot: [0-9]+ ms \(VMM start to guest init\)$' ""
check "vrun check: the probe guest's virtio-rng is bound to its driver" \
	grep -qE '^ok +device: virtio0 \(virtio id 0x0004\) bound to virtio_rng$' <<<"$out"
check "vrun check: every line is ok" bash -c '! grep -q "^problem" <<<"$1"' _ "$out"
echo "# vrun check: $(grep -o 'boot: [0-9]* ms' <<<"$out") (nested under TCG)"
run build/vrun --debug --root "$root" check
check "vrun --debug check shows the guest's console in the log" grep -q 'vrun-agent: probe: done' <<<"$err"
run build/vrun --root "$root" check --kernel build/tests/crash-kernel
expect "vrun check reports a guest that crashes, with its registers, and fails" 1 \
	'^problem +boot: guest crashed \(registers in the log above\)$' 'vcpu 0: triple fault: rip=0x[0-9a-f]+ '
rm -rf "$root"

run build/tests/kvm_smoke
expect "a tiny KVM program runs a 64-bit guest" 0 '^kvm_smoke: 64-bit guest ran: out 0x11, out 0x42, hlt$' ""

run timeout 120 "$boot" --kernel "$kernel" --initrd "$initrd" --cmdline "$cmdline" --memory 256 --vcpus 2
expect "vrun's VMM boots Debian's cloud kernel on 2 vCPUs (ACPI MADT) to init; the guest's reboot ends the VM" 0 \
	'vrun-guest: init running, cpus=2 ' 'vmm_boot: reset \(i8042 reset\) after [0-9]+ ms'
echo "# $(grep -o 'uptime=[0-9.]*' <<<"$out") s guest uptime at init; $(grep -o 'after [0-9]* ms' <<<"$err") VMM start to exit (nested under TCG)"
check "the guest's tty output crossed the UART (its interrupt comes from the DSDT's COM1)" grep -q '^vrun-guest: tty works' <<<"$out"
check "the kernel's log came out of the serial port" grep -q 'reboot: Restarting system' <<<"$out"
check "the guest found virtio-rng over virtio-mmio (ACPI LNRO0005) and bound its driver" \
	grep -q 'vrun-guest: virtio device virtio0 id 0x0004 driver virtio_rng$' <<<"$out"
check "the guest read 32 bytes from /dev/hwrng served by the VMM" \
	grep -qE 'vrun-guest: hwrng virtio_rng.0 gave 64 hex digits: [0-9a-f]{64}$' <<<"$out"

run timeout 120 "$boot" --kernel build/tests/vmlinux --initrd "$initrd" --cmdline "$cmdline" --memory 256
expect "the VMM boots the same kernel as an ELF vmlinux" 0 'vrun-guest: virtio device virtio0 id 0x0004 driver virtio_rng$' \
	'vmm_boot: reset \(i8042 reset\)'

# (On AMD, KVM resets the vCPU before reporting the shutdown, so the
# registers are those after the reset; on Intel they are the faulting ones.)
run "$boot" --kernel build/tests/crash-kernel --memory 64
expect "a guest that triple-faults is reported as crashed, with registers" 2 "" \
	'vmm_boot: guest crashed \(vcpu 0: triple fault: rip=0x[0-9a-f]+ rsp=0x[0-9a-f]+ rflags=0x[0-9a-f]+ cr0=0x[0-9a-f]+ cr2=0x[0-9a-f]+ cr3=0x[0-9a-f]+ '

run "$boot" --kernel /etc/hostname
expect "a file that is not a kernel is refused" 1 "" '/etc/hostname: kernel: (truncated|not a Linux bzImage)'
run "$boot" --kernel "$kernel" --memory 64
expect "a kernel too large for the memory is refused" 1 "" 'kernel: needs [0-9]+ MiB of guest memory; the VM has 64 MiB'
run "$boot" --kernel "$kernel" --initrd build/tests/vmlinux --memory 96
expect "an initrd too large for the memory is refused" 1 "" 'initrd: [0-9]+ MiB does not fit in guest memory \(96 MiB\) next to the kernel'
run "$boot" --kernel /nonexistent/vmlinuz
expect "a missing kernel is refused" 1 "" 'kernel: open `/nonexistent/vmlinuz`: No such file or directory'
head -c 4000 "$kernel" >"$root.truncated"
run "$boot" --kernel "$root.truncated"
expect "a truncated kernel is refused" 1 "" 'kernel: truncated \(4000 bytes, setup takes [0-9]+\)'
rm -f "$root.truncated"
run "$boot" --kernel "$kernel" --memory 16
expect "memory below the minimum is refused" 1 "" 'guest memory 16 MiB is outside 64 MiB to 64 GiB'

. tests/vmhost/containers.sh
. tests/vmhost/dax.sh
. tests/vmhost/pool.sh
. tests/vmhost/podman.sh
. tests/vmhost/containerd.sh
tap_done
echo "inside: done" >&2
exit 7
