# Helpers for the image tests and benchmarks (sourced): hand-made OCI
# layouts from layer files, and a listing of a tree to compare two
# unpacks by.

# new_image DIR TAG LAYER...: writes an OCI image layout DIR (or adds to
# it) whose image TAG has these layers, in order.  A layer's media type
# follows its name: .tar, .tar.gz, .tar.zst.  $IMAGE_CONFIG, when set, is a
# jq expression applied to the image config ({architecture, os, config,
# rootfs}).
new_image() {
	local dir=$1 tag=$2
	shift 2
	mkdir -p "$dir/blobs/sha256"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
	[[ -f $dir/index.json ]] || echo '{"schemaVersion":2,"manifests":[]}' >"$dir/index.json"
	local layers='[]' diffs='[]' l d u mt
	for l in "$@"; do
		d=$(sha256sum <"$l" | cut -d' ' -f1)
		cp "$l" "$dir/blobs/sha256/$d"
		case $l in
		*.gz) mt=application/vnd.oci.image.layer.v1.tar+gzip u=$(gzip -dc "$l" | sha256sum | cut -d' ' -f1) ;;
		*.zst) mt=application/vnd.oci.image.layer.v1.tar+zstd u=$(zstd -qdc "$l" | sha256sum | cut -d' ' -f1) ;;
		*) mt=application/vnd.oci.image.layer.v1.tar u=$d ;;
		esac
		layers=$(jq -c --arg mt "$mt" --arg d "sha256:$d" --argjson s "$(stat -c %s "$l")" \
			'. + [{mediaType: $mt, digest: $d, size: $s}]' <<<"$layers")
		diffs=$(jq -c --arg u "sha256:$u" '. + [$u]' <<<"$diffs")
	done
	local config manifest cd md
	config=$(jq -nc --argjson diffs "$diffs" \
		'{architecture: "amd64", os: "linux", config: {Cmd: ["/bin/sh"]}, rootfs: {type: "layers", diff_ids: $diffs}}' |
		jq -c "${IMAGE_CONFIG:-.}")
	cd=$(put_blob "$dir" "$config")
	manifest=$(jq -nc --arg cd "sha256:$cd" --argjson cs "${#config}" --argjson layers "$layers" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
		  layers: $layers}')
	md=$(put_blob "$dir" "$manifest")
	jq --arg md "sha256:$md" --argjson ms "${#manifest}" --arg tag "$tag" \
		'.manifests = [.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] != $tag)] +
		 [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md, size: $ms,
		   annotations: {"org.opencontainers.image.ref.name": $tag}}]' \
		"$dir/index.json" >"$dir/index.new" && mv "$dir/index.new" "$dir/index.json"
}

# put_blob DIR TEXT: stores TEXT (ASCII) as a blob, prints its hex digest.
put_blob() {
	local d
	d=$(printf '%s' "$2" | sha256sum | cut -d' ' -f1)
	printf '%s' "$2" >"$1/blobs/sha256/$d"
	echo "$d"
}

# listing DIR: every path with its type, mode, owner and symlink target,
# then the content digest of every regular file and the user.* xattrs of
# every path, sorted: equal listings, equal trees.
listing() {
	(
		cd "$1" || exit 1
		find . -mindepth 1 -printf '%P %y %m %U:%G %l\n' | LC_ALL=C sort
		find . -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 -r sha256sum
		find . -mindepth 1 -printf '%P\0' | LC_ALL=C sort -z |
			xargs -0 -r getfattr -h -d -m '^user\.' 2>/dev/null | grep -v '^$'
	)
}
