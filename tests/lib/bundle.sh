# Sourced by the test-host scripts (tests/vmhost/containers.sh, dax.sh).
# bundle NAME ARG...: $bundles/NAME, a bundle of $bundles/base's busybox
# rootfs running ARGs; the jq filter in $edit (then cleared) edits its
# config.json.
bundle() {
	local name=$1
	shift
	ROOTFS=$bundles/base/rootfs tests/lib/make-bundle "$bundles/$name" "$@" >/dev/null
	if [[ -n ${edit:-} ]]; then
		jq "$edit" "$bundles/$name/config.json" >"$bundles/$name/config.new" &&
			mv "$bundles/$name/config.new" "$bundles/$name/config.json"
	fi
	edit=
}
