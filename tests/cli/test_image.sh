#!/usr/bin/env bash
# `vrun image unpack`: images made here with umoci and skopeo (and layers
# written with libarchive by build/tests/mklayer), unpacked by vrun and
# compared with umoci's unpack of the same image; hostile layers that must
# not touch anything outside the rootfs; corrupt images that must fail
# clearly and leave no bundle.
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/oci-image.sh"
vrun=$top/build/vrun
mklayer=$top/build/tests/mklayer
work=$(mktemp -d /tmp/vrun-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

for tool in umoci skopeo getfattr zstd; do
	if ! command -v $tool >/dev/null; then
		tap_skip "image tests" "$tool is not installed (make deps installs it)"
		tap_done
		exit 0
	fi
done

# layer NAME [--gzip|--zstd] < SPEC: a layer file made by mklayer.
layer() {
	local name=$1
	shift
	"$mklayer" "$@" >"$work/$name"
}

# same_tree A B: both exist and hold the same.
same_tree() {
	[[ -d $1 && -d $2 ]] && diff <(listing "$1") <(listing "$2")
}

# same_as_umoci NAME IMAGE: vrun's and umoci's unpacks of IMAGE agree.
same_as_umoci() {
	rm -rf "$work/u" "$work/v"
	umoci unpack --image "$2" "$work/u" >/dev/null 2>&1 || {
		tap_fail "$1" "umoci unpack $2 failed"
		return
	}
	run "$vrun" image unpack --quiet "$2" "$work/v"
	if ((rc != 0)); then
		tap_fail "$1" "vrun image unpack exited $rc: $err"
		return
	fi
	check "$1" same_tree "$work/u/rootfs" "$work/v/rootfs"
}

# A tree with what images hold, made into an image by umoci (layer 1),
# then changed (deletions become whiteouts, layer 2).
umoci init --layout img >/dev/null
umoci new --image img:base >/dev/null
umoci unpack --image img:base tree >/dev/null
r=tree/rootfs
mkdir -p $r/etc $r/bin $r/srv/data/deep $r/gone-dir/sub $r/home/user
cp /bin/busybox $r/bin/busybox
ln -s busybox $r/bin/sh
printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n' >$r/etc/passwd
printf 'root:x:0:\nstaff:x:50:user\nuser:x:1000:\n' >$r/etc/group
echo hello >$r/srv/data/greeting
head -c 1048576 /dev/urandom >$r/srv/data/big
: >$r/srv/data/empty
ln $r/srv/data/greeting $r/srv/data/hardlink
ln -s /srv/data/greeting $r/srv/absolute-link
ln -s ../../etc/passwd $r/srv/data/deep/relative-link
echo secret >$r/srv/data/private
chmod 0600 $r/srv/data/private
chown 1000:1000 $r/srv/data/private $r/home/user
cp /bin/true $r/bin/setuid && chmod 4755 $r/bin/setuid
chmod 1777 $r/srv/data/deep
mkfifo $r/srv/fifo
setfattr -n user.note -v "kept" $r/srv/data/greeting
echo going >$r/gone-dir/sub/file
echo going >$r/etc/gone-file
umoci repack --image img:base tree >/dev/null
umoci unpack --image img:base tree2 >/dev/null 2>&1
rm -rf tree2/rootfs/gone-dir tree2/rootfs/etc/gone-file
echo changed >tree2/rootfs/srv/data/greeting
mkdir tree2/rootfs/added && echo new >tree2/rootfs/added/file
umoci repack --image img:base tree2 >/dev/null
umoci config --image img:base --config.cmd /bin/sh >/dev/null
umoci tag --image img:base two >/dev/null

same_as_umoci "a two-layer umoci image (files, modes, owners, setuid, symlinks, hardlinks, fifo, xattrs, whiteouts) unpacks as umoci unpacks it" img:two
check "the whiteouts removed a directory and a file of the first layer" \
	test ! -e v/rootfs/gone-dir -a ! -e v/rootfs/etc/gone-file -a "$(cat v/rootfs/srv/data/greeting)" = changed
check "the hardlink is one inode with its target" \
	test -f v/rootfs/srv/data/hardlink -a v/rootfs/srv/data/hardlink -ef v/rootfs/srv/data/greeting
check "the xattr came through" test "$(getfattr -h --only-values -n user.note v/rootfs/srv/data/greeting 2>/dev/null)" = kept

# A layer written with libarchive: an opaque directory empties what the
# layers below put there but keeps what its own layer adds, in either
# order; hardlinks and xattrs from a pax layer.
printf 'dir\tsrv/data\t-\nfile\tsrv/data/.wh..wh..opq\t\nfile\tsrv/data/after-marker\tx\n' |
	layer opaque.tar
printf 'dir\tadded\t-\nfile\tadded/before-marker\ty\nfile\tadded/.wh..wh..opq\t\n' | layer opaque2.tar
printf 'file\tpax/x\tcontent\t0640\t7:8\tuser.k=v1\nhardlink\tpax/y\tpax/x\nsymlink\tpax/z\tx\nchar\tpax/null\t1:3\t0666\nfifo\tpax/fifo\t-\t0600\t5:5\n' | layer pax.tar
cp -r img img3
umoci raw add-layer --image img3:two opaque.tar >/dev/null
umoci raw add-layer --image img3:two opaque2.tar >/dev/null
umoci raw add-layer --image img3:two pax.tar >/dev/null
same_as_umoci "opaque directories and a libarchive pax layer unpack as umoci unpacks them" img3:two
check "a device node was made (as root), with its numbers" test "$(stat -c '%F %t:%T' v/rootfs/pax/null)" = "character special file 1:3"
check "the opaque directory holds only what its layer added" \
	test "$(ls -A v/rootfs/srv/data)" = after-marker -a "$(ls -A v/rootfs/added)" = before-marker

# The same image as oci-archive and docker-archive (skopeo), and with
# zstd and plain tar layers.
skopeo copy -q oci:img:two oci-archive:two.oci.tar:two
skopeo copy -q oci:img:two docker-archive:two.docker.tar:example/two:v1
run "$vrun" image unpack --quiet img:two from-layout
run "$vrun" image unpack --quiet two.oci.tar from-oci-archive
expect "an oci-archive tarball (one image: no tag needed)" 0 "" ""
check "it unpacks to the same tree as the layout" same_tree from-layout/rootfs from-oci-archive/rootfs
run "$vrun" image unpack --quiet two.docker.tar:example/two:v1 from-docker
expect "a docker-archive tarball, picked by NAME:TAG" 0 "" ""
check "it unpacks to the same tree as the layout" same_tree from-layout/rootfs from-docker/rootfs
# (umoci 0.4 cannot read zstd: it unpacks the same layer gzipped.)
zspec=$(printf 'dir\tz\t-\nfile\tz/zstd\tzstd layer\t0644\nfile\tz/plain\t@100000\n')
layer z.tar.zst --zstd <<<"$zspec"
layer z.tar.gz --gzip <<<"$zspec"
printf 'file\tz/plain2\tplain\n' | layer p.tar
new_image mixed v1 z.tar.zst p.tar
new_image gzipped v1 z.tar.gz p.tar
rm -rf u && umoci unpack --image gzipped:v1 u >/dev/null 2>&1
run "$vrun" image unpack --quiet mixed:v1 zstd
expect "an image with a zstd and an uncompressed layer" 0 "" ""
check "... unpacks as umoci unpacks the same layers gzipped" same_tree u/rootfs zstd/rootfs

run "$vrun" image unpack --quiet "two.docker.tar@$(tar -xOf two.docker.tar manifest.json | jq -r '.[0].Config | sub("\\.json$"; "") | "sha256:" + .')" from-docker-id
expect "a docker-archive image picked by its id (@sha256:...)" 0 "" ""

# An image index (multi-platform): the linux/amd64 manifest is taken; the
# other platform's manifest (missing here) is never read.
mdesc=$(jq -c '.manifests[0] | del(.annotations) | .platform = {architecture: "amd64", os: "linux"}' mixed/index.json)
idx=$(jq -nc --argjson m "$mdesc" '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
	manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", size: 10,
		digest: "sha256:1111111111111111111111111111111111111111111111111111111111111111",
		platform: {architecture: "arm64", os: "linux"}}, $m]}')
cp -r mixed multi
d=$(put_blob multi "$idx")
jq -n --arg d "sha256:$d" --argjson s "${#idx}" '{schemaVersion: 2, manifests: [{mediaType:
	"application/vnd.oci.image.index.v1+json", digest: $d, size: $s}]}' >multi/index.json
run "$vrun" image unpack --quiet multi from-index
expect "an image index: this machine's platform is picked" 0 "" ""
check "... and unpacks as the manifest it names" same_tree zstd/rootfs from-index/rootfs

# Without privilege (a user namespace mapping only us): devices are
# skipped with a warning, owners stay the caller's, the rest is made.
printf 'dir\tdev\t-\nchar\tdev/null\t1:3\t0666\nfile\towned\tx\t0640\t1000:1000\n' | layer unpriv.tar
new_image unpriv v1 unpriv.tar
run unshare -Ur "$vrun" image unpack --quiet unpriv unprivb
expect "unprivileged: unpacked, with warnings for the device and the owners" 0 "" \
	'/dev/null: device node not made.*|cannot set owners'
check "... no device node; the file is there with its mode" \
	test ! -e unprivb/rootfs/dev/null -a "$(stat -c %a unprivb/rootfs/owned)" = 640
check "... both warnings were given" bash -c 'grep -q "device node not made" <<<"$1" && grep -q "cannot set owners" <<<"$1"' _ "$err"

# Memory does not grow with a layer: 96 MiB (uncompressed, so the blob is
# that big too) unpacked in well under that.
printf 'file\tbig/file\t@100663296\n' | layer big.tar
new_image bigimage v1 big.tar
# (ASan's shadow memory and quarantine are not vrun's: the bound is only
# checked without sanitizers.)
/usr/bin/time -f %M -o rss "$vrun" image unpack --quiet bigimage bigb
if [[ -n ${SANITIZE:-} ]]; then
	tap_skip "a 96 MiB layer unpacks with a peak RSS under 24 MiB ($(cat rss) KiB)" \
		"built with -fsanitize=$SANITIZE, whose own memory counts in the RSS"
else
	check "a 96 MiB layer unpacks with a peak RSS under 24 MiB ($(cat rss) KiB)" test "$(cat rss)" -lt 24576
fi
check "... and the file is whole" test "$(stat -c %s bigb/rootfs/big/file)" = 100663296
rm -rf bigb bigimage big.tar

# Picking an image.
new_image mixed v2 p.tar
run "$vrun" image unpack --quiet mixed pick
expect "two images and no tag: an error that lists them" 1 "" 'several images: name one with :TAG or @sha256:DIGEST \(it has: v1, v2\)'
run "$vrun" image unpack --quiet mixed:v3 pick
expect "an unknown tag: an error naming it" 1 "" 'no image `v3` \(it has: v1, v2\)'
digest=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "v2") | .digest' mixed/index.json)
run "$vrun" image unpack --quiet "mixed@$digest" pick
expect "an image picked by its manifest digest" 0 "" ""
check "and only its layer is there" test -f pick/rootfs/z/plain2 -a ! -e pick/rootfs/z/zstd
check "nothing is left behind by the failed picks" test "$(ls pick)" = "$(printf 'config.json\nrootfs')"

# config.json from the image config (image-spec conversion.md).
printf 'file\tetc/passwd\troot:x:0:0::/root:/bin/sh\\nuser:x:1000:1000::/home/user:/bin/sh\\n\nfile\tetc/group\tstaff:x:50:user\\nuser:x:1000:\\n\n' |
	layer users.tar
IMAGE_CONFIG='.config = {Entrypoint: ["/bin/busybox"], Cmd: ["echo", "hi"], Env: ["A=1", "PATH=/bin"],
	WorkingDir: "/srv", User: "user", Labels: {"org.example.team": "runtime"}, StopSignal: "SIGQUIT"}' \
	new_image withconfig v1 users.tar
run "$vrun" image unpack --quiet withconfig wc
expect "an image with a config" 0 "" ""
check "config.json: Entrypoint + Cmd, Env, WorkingDir, User by name (its groups from /etc/group)" \
	jq -e '.process.args == ["/bin/busybox", "echo", "hi"] and .process.env == ["A=1", "PATH=/bin"] and
		.process.cwd == "/srv" and .process.user == {uid: 1000, gid: 1000, additionalGids: [50]} and
		(.process.terminal | not) and .root == {path: "rootfs"}' wc/config.json
check "config.json: Labels and StopSignal as annotations" \
	jq -e '.annotations["org.example.team"] == "runtime" and
		.annotations["org.opencontainers.image.stopSignal"] == "SIGQUIT" and
		.annotations["org.opencontainers.image.architecture"] == "amd64"' wc/config.json
check "config.json keeps vrun spec's defaults (namespaces, mounts)" \
	jq -e '(.linux.namespaces | length) > 0 and (.mounts | map(.destination) | index("/proc")) != null' wc/config.json
IMAGE_CONFIG='.config = {User: "nobody"}' new_image baduser v1 users.tar
run "$vrun" image unpack --quiet baduser bu
expect "a User the image's /etc/passwd does not know" 1 "" 'image user `nobody`: not in the image.s /etc/passwd'
check "leaves no bundle" test ! -e bu
IMAGE_CONFIG='.config = {}' new_image nocmd v1 users.tar
run "$vrun" image unpack --quiet nocmd nc
expect "no Entrypoint and no Cmd: unpacked, with a warning" 0 "" 'warning: the image has no Entrypoint or Cmd'
check "... and config.json has no process.args" jq -e '.process.args == null' nc/config.json

# Hostile layers: nothing outside the rootfs changes, whatever they hold.
mkdir -p outside && echo original >outside/file
outside_before=$(listing outside; stat -c %h outside/file)
n=0
# hostile NAME RC ERR_REGEX SPEC: one hostile layer as an image, unpacked.
hostile() {
	n=$((n + 1))
	layer "hostile$n.tar" <<<"$4"
	new_image "hostile$n" v1 "hostile$n.tar"
	run "$vrun" image unpack --quiet "hostile$n" "hb$n"
	expect "$1" "$2" "" "$3"
	check "... and nothing outside the rootfs changed" \
		test "$(listing outside; stat -c %h outside/file)" = "$outside_before"
	if (($2 != 0)); then check "... and no bundle is left" test ! -e "hb$n"; fi
}
hostile "an entry ../outside/file is refused" 1 'entry `../outside/file` leads out of the root filesystem' \
	"$(printf 'file\t../outside/file\tpwned\n')"
hostile "an entry climbing out midway (a/../../) is refused" 1 'leads out of the root filesystem' \
	"$(printf 'file\ta/../../outside/file\tpwned\n')"
hostile "an absolute path is taken inside the rootfs" 0 "" \
	"$(printf 'file\t%s/outside/file\tpwned\n' "$work")"
check "... where it was written" test "$(cat "hb$n/rootfs$work/outside/file")" = pwned
hostile "a symlink to an absolute path, then a file through it: resolved in the rootfs" 0 "" \
	"$(printf 'dir\t%s/outside\t-\nsymlink\tevil\t%s/outside\nfile\tevil/file\tpwned\n' "$work" "$work")"
check "... the file landed in the rootfs's copy of that path" test "$(cat "hb$n/rootfs$work/outside/file")" = pwned
hostile "a symlink climbing ../../.., then a file through it: it stops at the rootfs" 0 "" \
	"$(printf 'symlink\tup\t../../../../../../..\nfile\tup/escaped\tpwned\n')"
check "... the file is at the rootfs's top" test -f "hb$n/rootfs/escaped"
hostile "a file through a symlink to a host path the rootfs lacks fails" 1 'open directory /dangling' \
	"$(printf 'symlink\tdangling\t%s/outside\nfile\tdangling/file\tpwned\n' "$work")"
hostile "a hardlink to ../outside/file is refused" 1 'hardlink to `../outside/file` leads out of the root' \
	"$(printf 'hardlink\th\t../outside/file\n')"
hostile "a hardlink to an absolute host path resolves in the rootfs (none there)" 1 "hardlink to /${work#/}/outside/file" \
	"$(printf 'hardlink\th\t%s/outside/file\n' "$work")"
hostile "a hardlink through a symlink to the host resolves in the rootfs" 1 'hardlink to /s/file' \
	"$(printf 'symlink\ts\t%s/outside\nhardlink\th\ts/file\n' "$work")"
hostile "a trusted.* xattr (overlayfs reads trusted.overlay.* on lower layers) is not set" 0 \
	'xattr trusted.overlay.redirect not set' \
	"$(printf 'dir\td\t-\t0755\t0:0\ttrusted.overlay.redirect=/x\n')"
check "... it is not on the directory" bash -c '! getfattr -h -n trusted.overlay.redirect "$1" 2>/dev/null' _ "hb$n/rootfs/d"
hostile "a whiteout of .. is refused" 1 'a whiteout of `..`' \
	"$(printf 'file\t.wh...\t\n')"
hostile "a whiteout through a symlink removes the rootfs's file, not the host's" 0 "" \
	"$(printf 'dir\t%s/outside\t-\nfile\t%s/outside/file\tmine\nsymlink\ts\t%s/outside\nfile\ts/.wh.file\t\n' "$work" "$work" "$work")"
check "... the rootfs's copy is gone" test ! -e "hb$n/rootfs$work/outside/file"

# Corrupt images: a clear error, no bundle.
# corrupt NAME ERR_REGEX CMD...: CMD breaks a copy of img (as img-bad).
corrupt() {
	local name=$1 want=$2
	shift 2
	rm -rf img-bad bad && cp -r img img-bad
	"$@"
	run "$vrun" image unpack --quiet img-bad:two bad
	expect "$name" 1 "" "$want"
	check "... and no bundle is left" test ! -e bad
}
manifest_of() { jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "two") | .digest[7:]' img-bad/index.json; }
layer_of() { jq -r ".layers[$1].digest[7:]" "img-bad/blobs/sha256/$(manifest_of)"; }
flip() { printf 'X' | dd of="$1" bs=1 seek=100 conv=notrunc status=none; }
# edit_manifest JQ: rewrites the manifest and points index.json at it.
edit_manifest() {
	local text d
	text=$(jq -c "$1" "img-bad/blobs/sha256/$(manifest_of)")
	d=$(put_blob img-bad "$text")
	jq --arg d "sha256:$d" --argjson s "${#text}" --arg old "sha256:$(manifest_of)" \
		'(.manifests[] | select(.digest == $old)) |= (.digest = $d | .size = $s)' img-bad/index.json >img-bad/i &&
		mv img-bad/i img-bad/index.json
}
corrupt "a layer blob with a changed byte: digest mismatch" 'layer sha256:[0-9a-f]+ does not match its digest' \
	eval 'flip img-bad/blobs/sha256/$(layer_of 1)'
corrupt "a missing layer blob" 'layer sha256:[0-9a-f]+ is missing' eval 'rm img-bad/blobs/sha256/$(layer_of 0)'
corrupt "a descriptor with a wrong digest" 'blob sha256:0{64} is missing' \
	edit_manifest '.config.digest = "sha256:'"$(printf '0%.0s' {1..64})"'"'
corrupt "a descriptor with a wrong size" 'has [0-9]+ bytes, its descriptor says' edit_manifest '.layers[0].size += 1'
corrupt "an unknown layer media type" 'unknown media type application/x-unknown' \
	edit_manifest '.layers[0].mediaType = "application/x-unknown"'
corrupt "a manifest blob with a changed byte" 'blob sha256:[0-9a-f]+ does not match its digest' \
	eval 'flip img-bad/blobs/sha256/$(manifest_of)'
corrupt "index.json that is not JSON" 'index.json: invalid JSON' eval 'echo "{" >img-bad/index.json'
cp two.oci.tar cut.oci.tar && truncate -s $(($(stat -c %s cut.oci.tar) / 2)) cut.oci.tar
run "$vrun" image unpack --quiet cut.oci.tar bad
expect "a truncated oci-archive" 1 "" 'image cut.oci.tar'
check "... and no bundle is left" test ! -e bad

# The bundle: an existing rootfs is not touched; a progress line per layer
# on a terminal.
mkdir -p existing/rootfs && echo mine >existing/rootfs/file
run "$vrun" image unpack --quiet img:two existing
expect "a bundle that has a rootfs already is refused" 1 "" 'bundle existing: rootfs: File exists'
check "... and left as it was" test "$(cat existing/rootfs/file)" = mine -a ! -e existing/config.json
run script -qec "$vrun image unpack img:two progress" /dev/null
expect "on a terminal: a progress line per layer (digest, MiB done / total)" 0 \
	'layer 2/2 sha256:[0-9a-f]{12}  [0-9.]+ / [0-9.]+ MiB' ""
run script -qec "$vrun image unpack --quiet img:two quiet" /dev/null
expect "--quiet: nothing" 0 "" ""
run "$vrun" image unpack img:two
expect "image unpack without a bundle: usage error" 1 "" 'expected SRC and BUNDLE'
run "$vrun" image
expect "image without a subcommand: usage error" 1 "" 'expected a subcommand: unpack'

# run --image: what needs no VM (the runs themselves are in the test host).
run "$vrun" --root "$work/state" run --rm x
expect "run --rm without --image" 1 "" 'run: --rm goes with --image'
run "$vrun" --root "$work/state" run --image img:two --bundle . x
expect "run --image with --bundle" 1 "" 'run: --image makes the bundle: no --bundle with it'
run "$vrun" --root "$work/state" run --image img:two --rm --detach x
expect "run --image --rm --detach" 1 "" 'no --detach with it'
VRUN_DATA_DIR=$work/data run "$vrun" --root "$work/state" run --image nocmd x
expect "run --image of an image without a command, and none given" 1 "" \
	'the image has no Entrypoint or Cmd: give a command after the id'
check "... leaves no bundle for the container" test ! -e data/containers/x
check "... the image is in the cache, once" test "$(ls data/images)" = "$(jq -r '.manifests[0].digest[7:]' nocmd/index.json)"

tap_done
