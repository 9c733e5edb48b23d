#!/usr/bin/env bash
# virtio-fs DAX (io.vrun.virtiofs_dax, docs/performance.md "DAX") in a
# microVM: sourced by inside.sh after containers.sh (one test-host boot for
# all), or alone: `tests/vmhost/run tests/vmhost/dax.sh`, or directly on a
# host with VT-x/AMD-V.  Prints TAP.
set -u
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	dax_alone=1
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	. "$top/tests/lib/tap.sh"
	cd "$top" || exit 1
else
	dax_alone=0
fi
vrun=build/vrun
[[ -x build/tests/fsbench ]] || { echo "dax.sh: make build/tests/fsbench first" >&2; exit 1; }
dax_croot=$(mktemp -d /tmp/vrun-dax.XXXXXX)
dax_scratch=$(mktemp -d /tmp/vrun-dax-scratch.XXXXXX)
dax_outer_bundles=${bundles-}
bundles=$dax_scratch/bundles
mkdir -p "$bundles"
tests/lib/make-bundle "$bundles/base" >/dev/null
. tests/lib/bundle.sh

# virtio-fs DAX (io.vrun.virtiofs_dax: the rootfs share has a window, and the guest mounts it
# dax=inode: the VMM marks the files it can map, those of an export on a
# file system that maps them shared and writable; the test host's /work is
# 9p, which does not, so this rootfs is a copy in /tmp): a file read whole
# through the window, an in-place write into the host's file (dd
# conv=notrunc), and a mapping the host truncates under the guest, which
# reads as zeroes past the new end (the VMM mends the window) instead of
# stalling or ending the VM.
daxroot=$dax_scratch/daxroot
cp -a "$bundles/base/rootfs" "$daxroot"
dax=$daxroot/dax
mkdir -p "$dax"
head -c $((3 << 20)) /dev/urandom >"$dax/big"
yes A | head -c $((2 << 20)) >"$dax/trunc"
big_md5=$(md5sum <"$dax/big" | cut -d' ' -f1)
cp build/tests/fsbench "$daxroot/bin/fsbench"
edit=".root.readonly = false | .root.path = \"$daxroot\" | .annotations[\"io.vrun.virtiofs_dax\"] = \"true\""
script='grep " / virtiofs " /proc/mounts; md5sum /dax/big'
script+='; printf XY | dd of=/dax/big bs=1 seek=4096 conv=notrunc; fsbench mapped /dax/trunc 1048576 /dax/go'
bundle dax sh -c "$script"
timeout 180 $vrun --root "$dax_croot" run --bundle "$bundles/dax" dax >"$dax_scratch/dax.out" 2>"$dax_scratch/dax.err" &
dax_pid=$!
for ((i = 0; i < 1500; i++)); do
	[[ -e $dax/trunc.mapped ]] && break
	sleep 0.1
done
truncate -s 4096 "$dax/trunc"
touch "$dax/go"
wait $dax_pid
rc=$? out=$(tr -d '\r' <"$dax_scratch/dax.out") err=$(tr -d '\r' <"$dax_scratch/dax.err")
expect "virtio-fs DAX: the rootfs share mounted with dax=inode" 0 "^rootfs / virtiofs .*dax=inode" -
check "... a file read whole through the window: the host's digest" grep -qx "$big_md5  /dax/big" <<<"$out"
check "... an in-place write reached the host's file" \
	test "$(dd if="$dax/big" bs=1 skip=4096 count=2 2>/dev/null)" = XY
check "... a mapping truncated by the host: zeroes past the new end, and the VM went on" \
	test "$(grep -x -e 'before 65' -e 'after 0' <<<"$out" | tr '\n' ' ')" = "before 65 after 0 "
check "... the VMM said why" grep -q "a mapped file shrank under the guest (now 4096 bytes)" <<<"$err"
rm -rf "$dax_croot" "$dax_scratch"
bundles=$dax_outer_bundles
if ((dax_alone)); then
	tap_done
fi
