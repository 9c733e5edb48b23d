# TAP helpers for the shell test suites: each check prints "ok N - name" or
# "not ok N - name" with the reason as "# " lines.
tap_n=0
# With TAP_SLOW=S, a check that came more than S seconds after the one
# before it is followed by a "# N s" line: where a slow suite's time went.
tap_last=$SECONDS

tap_time() {
	if [[ -n ${TAP_SLOW-} ]] && ((SECONDS - tap_last > TAP_SLOW)); then
		echo "# $((SECONDS - tap_last)) s"
	fi
	tap_last=$SECONDS
}

tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
	tap_time
}

tap_fail() {
	tap_n=$((tap_n + 1))
	echo "not ok $tap_n - $1"
	shift
	local line
	for line in "$@"; do printf '%s\n' "$line" | sed 's/^/# /'; done
	tap_time
}

tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

# run CMD...: runs CMD, leaves its stdout in $out, stderr in $err, status in
# $rc; carriage returns (a serial console's \r\n) are dropped.
run() {
	local o e
	o=$(mktemp) e=$(mktemp)
	"$@" >"$o" 2>"$e"
	rc=$?
	out=$(tr -d '\r' <"$o") err=$(tr -d '\r' <"$e")
	rm -f "$o" "$e"
}

# expect NAME RC [STDOUT_REGEX [STDERR_REGEX]]: checks the last run().
# An empty regex means "must be empty"; "-" means "anything".
expect() {
	local name=$1 want_rc=$2 want_out=${3--} want_err=${4--}
	local why=()
	[[ $rc == "$want_rc" ]] || why+=("exit status $rc, expected $want_rc")
	if [[ $want_out == "" && -n $out ]]; then why+=("stdout not empty: $out"); fi
	if [[ $want_out != "-" && $want_out != "" ]] && ! grep -qE -- "$want_out" <<<"$out"; then
		why+=("stdout does not match /$want_out/: $out")
	fi
	if [[ $want_err == "" && -n $err ]]; then why+=("stderr not empty: $err"); fi
	if [[ $want_err != "-" && $want_err != "" ]] && ! grep -qE -- "$want_err" <<<"$err"; then
		why+=("stderr does not match /$want_err/: $err")
	fi
	if ((${#why[@]} == 0)); then tap_ok "$name"; else tap_fail "$name" "${why[@]}"; fi
}

# check NAME CONDITION...: passes when the command CONDITION succeeds.
check() {
	local name=$1
	shift
	if "$@" >/dev/null; then tap_ok "$name"; else tap_fail "$name" "failed: $*"; fi
}

tap_done() {
	echo "1..$tap_n"
}
