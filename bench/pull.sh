#!/usr/bin/env bash
# Cold pull + unpack of the same images from a loopback registry, every tool in every round:
#   daemon      a pull through a running `layercache daemon` (the node's path): one JSON request
#               line to ROOT/daemon.sock (socat), so no client JVM is counted
#   cli         `layercache pull` without a daemon: a fresh JVM each time (JVM start and JIT
#               included), through the ./layercache launcher and its class-data archive
#   containerd  `ctr images pull` (fetch + unpack with the overlayfs snapshotter), restarted per run
#   skopeo      skopeo copy + umoci unpack
#   raw         `curl | pigz -d | tar -x` (or zstd -d) per layer, all layers at once, nothing
#               verified: the lower bound
# Each run writes to a newly made ext4 filesystem (a loop device), so that no tool pays for the
# inodes another just deleted (ext4 skips recently freed inodes when it allocates). The order of
# the tools rotates from round to round, so none always runs after the same neighbour.
#
# The daemon is started per round on its own fresh filesystem and warmed up (JIT) by pulling a
# gzip and a zstd image that share no layer with the measured ones, three to eight times until the
# JIT settles (with a gc of everything in between); then the timed pull. So its store is empty of
# the image's layers and its JVM is warm, as on a node that has pulled before. (The inodes the gc
# freed make ext4's inode allocation a little slower for the timed pull, if anything.)
#
# The daemon and the CLI run on the newest JDK under /usr/lib/jvm (JAVA_HOME overrides), through
# the launcher: from JDK 25 on with its AOT cache, else with its class-data archive.
#
# An entry "A>B" of IMAGES times the pull of B into a store (or containerd root, or OCI layout)
# that already holds A: B's layers shared with A are not fetched again (the raw pipeline fetches
# only B's other layers; umoci has no layer sharing and unpacks all of B).
#
#   sudo bench/pull.sh        # REPS=5; writes bench/results/pull.{tsv,md,svg}
#   SUMMARY_ONLY=1 bench/pull.sh   # table and chart again from bench/results/pull.tsv
#   TOOLS="daemon raw" IMAGES=harness/python-app:1.0-zstd REPS=3 OUT=/tmp/x bench/pull.sh
#
# Images come from the realistic-image harness (../shared/tools/realistic-images: debootstrap-built
# Debian + python images, pushed to 127.0.0.1:5000); it is run once when its images are missing.
# Processes this script starts (registry, containerd, daemons) are stopped by PID at exit.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=${HARNESS:-$REPO/../shared/tools/realistic-images}
export H=${H:-${TMPDIR:-/tmp}/layercache-harness}
[ -f "$HARNESS/lib.sh" ] || {
  echo "$0: no realistic-image harness at $HARNESS (set HARNESS=DIR, the shared tools' realistic-images)" >&2
  exit 2
}
# shellcheck source=/dev/null
. "$HARNESS/lib.sh"
REPS=${REPS:-5}
IMAGES=${IMAGES:-"harness/python-app:1.0 harness/python-app:1.0-zstd harness/python-app:1.0>harness/python-worker:1.0"}
ALL_TOOLS=(daemon cli containerd skopeo raw)
read -ra TOOLS <<<"${TOOLS:-${ALL_TOOLS[*]}}" # a subset for a quick look; the others show n/a
WARM_UP=bench/warm-up
B=$H/bench-layercache
OUT=${OUT:-$REPO/bench/results}
C="ctr -a $CTRD_SOCK -n bench"
mkdir -p "$B" "$OUT"
TSV=$OUT/pull.tsv
HEADER=$OUT/pull.header

# "median min max" of the numbers on stdin; "n/a" when a tool failed every time (umoci 0.4 cannot unpack zstd)
stats() { { grep -v FAIL || true; } | sort -n | awk '{a[NR]=$1} END{if (NR==0) print "n/a n/a n/a"; else printf "%.3f %s %s\n", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2, a[1], a[NR]}'; }
tool_stats() { awk -F'\t' -v r="$1" -v t="$2" '$1==r && $2==t {print $4}' "$TSV" | stats; }

summarize() {
  local dat=$OUT/pull.dat ref tool
  {
    cat "$HEADER"
    echo
    echo "| image | daemon | CLI | containerd | skopeo+umoci | curl\\|pigz\\|tar | containerd / daemon | daemon / raw | containerd / CLI |"
    echo "|---|---|---|---|---|---|---|---|---|"
    : >"$dat"
    for ref in $IMAGES; do
      declare -A st=()
      for tool in "${ALL_TOOLS[@]}"; do st[$tool]=$(tool_stats "$ref" "$tool"); done
      awk -v r="${ref/>/ then }" -v d="${st[daemon]}" -v l="${st[cli]}" -v c="${st[containerd]}" -v s="${st[skopeo]}" -v w="${st[raw]}" '
        function m(x) { split(x, f, " "); return f[1] }
        function t(x) { split(x, f, " "); return f[1] == "n/a" ? "n/a" : sprintf("%.2f s (%.2f-%.2f)", f[1], f[2], f[3]) }
        function q(x, y) { return (m(x) == "n/a" || m(y) == "n/a") ? "n/a" : sprintf("%.2fx", m(x) / m(y)) }
        BEGIN { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                r, t(d), t(l), t(c), t(s), t(w), q(c, d), q(d, w), q(c, l) }'
      # gnuplot rows: label, then median min max per tool ("-" where a tool failed every time)
      label=${ref//harness\//}; printf '"%s"' "${label/>/ then }" | sed 's/:1.0//g' >>"$dat"
      for tool in "${ALL_TOOLS[@]}"; do printf ' %s' "${st[$tool]//n\/a/-}" >>"$dat"; done
      echo >>"$dat"
    done
  } | tee "$OUT/pull.md"
  chart "$dat" "$OUT/pull.svg"
}

chart() {  # chart DAT SVG: medians per tool and image, bars from min to max
  gnuplot <<EOF
set terminal svg size 1000,420 dynamic font "sans,12"
set output "$2"
set title "Cold pull + unpack from a loopback registry (median of $REPS, bars: min-max)"
set ylabel "seconds"
set yrange [0:*]
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.8 border -1
set key outside right top
set xtics font ",10"
set grid ytics
set datafile missing "-"
plot "$1" using 2:3:4:xtic(1) title "layercache daemon", \
     "" using 5:6:7 title "layercache CLI", \
     "" using 8:9:10 title "containerd", \
     "" using 11:12:13 title "skopeo+umoci", \
     "" using 14:15:16 title "curl|pigz|tar"
EOF
}

if [ "${SUMMARY_ONLY:-0}" = 1 ]; then summarize; exit 0; fi

# What this script needs beyond the harness (which installs the rest when it runs).
need=""
command -v socat >/dev/null || need="$need socat"
command -v gnuplot >/dev/null || need="$need gnuplot-nox"
# layercache inflates gzip with ISA-L's igzip when libisal2 is installed (else with the JDK's zlib)
ldconfig -p | grep -q 'libisal\.so\.2 ' || need="$need libisal2"
if [ -n "$need" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need >/dev/null
fi
[ -s "$H/images.tsv" ] || "$HARNESS/setup.sh"
for tool in ctr containerd skopeo umoci pigz curl jq zstd mkfs.ext4; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run $HARNESS/setup.sh (it installs them)"; exit 1; }
done

started_registry=0
daemon_pid=
cleanup() {
  set +e
  stop_daemon
  stop_containerd
  umount_below "$B/"
  umount_below "$H/containerd/"
  [ "$started_registry" = 1 ] && stop_registry
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if ! pid_alive "$RUN/registry.pid" docker-registry; then start_registry; started_registry=1; fi

if [ -z "${JAVA_HOME:-}" ]; then
  JAVA_HOME=$(for release in /usr/lib/jvm/*/release; do
    [ -L "$(dirname "$release")" ] || sed -n "s|^JAVA_VERSION=\"\([0-9]*\).*|\1 $(dirname "$release")|p" "$release"
  done | sort -n | tail -n 1 | cut -d' ' -f2)
  export JAVA_HOME
fi
# A copy of the launcher and what it runs: edits to the sources during the run change nothing
# (the launcher rebuilds only when it sees the sources, which the copy does not have).
echo "building layercache (then running it on $JAVA_HOME) ..." >&2
(cd "$REPO" && ./mvnw -q -B -o -pl node-agent -am package -DskipTests -Dspotless.check.skip=true)
DIST=$B/dist
rm -rf "$DIST"
mkdir -p "$DIST/node-agent/target"
cp "$REPO/layercache" "$DIST/"
cp -r "$REPO/node-agent/target/layercache.jar" "$REPO/node-agent/target/lib" "$DIST/node-agent/target/"
LAYERCACHE=$DIST/layercache
# The launcher writes its class-data archive on its first run after a build: not a measured one.
"$LAYERCACHE" --root "$B/archive-run" pull "$REG_ADDR/${IMAGES%% *}" >/dev/null 2>&1
rm -rf "$B/archive-run"

# The warm-up image: the harness's Debian rootfs under /warm-up (so no layer equals a measured
# one), as gzip and as zstd. Built once; kept in the registry.
have_tag() { curl -fsS -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$REG/v2/$WARM_UP/manifests/$1"; }
if ! have_tag gzip || ! have_tag zstd; then
  echo "pushing the warm-up image $WARM_UP ..." >&2
  rm -rf "$B/warm-up-oci" "$B/warm-up-dir"
  umoci --log warn init --layout "$B/warm-up-oci"
  umoci --log warn new --image "$B/warm-up-oci:warm-up"
  umoci --log warn insert --image "$B/warm-up-oci:warm-up" "$BUILD/minbase-rootfs" /warm-up
  skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$B/warm-up-oci:warm-up" "docker://$REG_ADDR/$WARM_UP:gzip"
  # skopeo reuses a gzip blob rather than recompress it (see the harness's push_zstd): push from an
  # uncompressed copy with a private blob-info cache.
  skopeo --insecure-policy copy -q --dest-decompress "oci:$B/warm-up-oci:warm-up" "dir:$B/warm-up-dir"
  mkdir -p /var/lib/containers/cache
  unshare -m sh -ec "mount -t tmpfs tmpfs /var/lib/containers/cache && skopeo --insecure-policy copy -q \
    --dest-tls-verify=false --dest-compress-format zstd dir:$B/warm-up-dir docker://$REG_ADDR/$WARM_UP:zstd"
  rm -rf "$B/warm-up-oci" "$B/warm-up-dir"
fi

# fresh_fs DIR: mount a new, empty ext4 filesystem (4 GiB sparse image) at DIR
fresh_fs() {
  local dir=$1 img=$B/$(basename "$1").img
  umount_below "$dir"
  rm -rf "$dir" "$img"
  mkdir -p "$dir"
  truncate -s 4G "$img"
  mkfs.ext4 -q -F "$img"
  mount -o loop "$img" "$dir"
  sync
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.3f", b-a}'; }

# through_daemon ROOT ARGS...: runs a CLI command line in the daemon serving ROOT; fails unless it exits 0
through_daemon() {
  local root=$1; shift
  printf '%s\n' --root "$root" "$@" | jq -cRn --arg cwd "$PWD" '{args: [inputs], cwd: $cwd}' \
    | socat -t 600 - "UNIX-CONNECT:$root/daemon.sock" | tail -n 1 | grep -qx '{"exit":0}'
}

stop_daemon() {
  [ -n "$daemon_pid" ] || return 0
  kill -TERM "$daemon_pid" 2>/dev/null
  wait "$daemon_pid" 2>/dev/null
  daemon_pid=
  umount_below "$B/daemon"
}

start_daemon() {  # a daemon on a fresh filesystem, warmed up unless $1 is "cold"; its root is $B/daemon/store
  stop_daemon
  fresh_fs "$B/daemon"
  "$LAYERCACHE" --root "$B/daemon/store" daemon --snapshotter-address "$B/daemon/snapshotter.sock" \
    >"$LOGS/bench-daemon.log" 2>&1 &
  daemon_pid=$!
  local i
  for i in $(seq 1 300); do [ -S "$B/daemon/store/daemon.sock" ] && break; sleep 0.1; done
  [ "${1:-}" = cold ] && return
  # Rounds until the JIT has settled, as in a daemon that has pulled for a while: at least three,
  # then until a round adds fewer than 20 compiled methods (jstat), at most eight. After three
  # fixed rounds the JIT still spent 1.1 of the timed zstd pull's 3.0 CPU-seconds compiling.
  local round compiled=0 before
  for round in 1 2 3 4 5 6 7 8; do
    # One at a time, with a gc after each: the two share their diffIDs, so the zstd pull would
    # find the gzip pull's layers and never decompress zstd.
    for compression in gzip zstd; do
      through_daemon "$B/daemon/store" pull "$REG_ADDR/$WARM_UP:$compression"
      through_daemon "$B/daemon/store" gc --high-watermark 0 --low-watermark 0
    done
    before=$compiled
    compiled=$("$JAVA_HOME/bin/jstat" -compiler "$daemon_pid" | awk 'NR == 2 {print $1}')
    [ "$round" -lt 3 ] || [ $((compiled - before)) -ge 20 ] || break
  done
  echo "daemon warm-up: $round rounds, $compiled methods compiled" >>"$LOGS/bench-warm-up.log"
}

# Each prepare_TOOL makes the tool's empty place and, for "A>B", pulls A into it untimed;
# each run_TOOL then times the pull of B and prints seconds, or FAIL.
prepare_daemon() { start_daemon && { [ -z "$1" ] || through_daemon "$B/daemon/store" pull "$REG_ADDR/$1"; }; }
run_daemon() {
  local t; t=$(now)
  through_daemon "$B/daemon/store" pull "$REG_ADDR/$1" || { echo FAIL; return; }
  elapsed "$t"
}

prepare_cli() { fresh_fs "$B/cli"; [ -z "$1" ] || "$LAYERCACHE" --root "$B/cli/store" pull "$REG_ADDR/$1" >/dev/null 2>&1; }
run_cli() {
  local t; t=$(now)
  "$LAYERCACHE" --root "$B/cli/store" pull "$REG_ADDR/$1" >/dev/null 2>&1 || { echo FAIL; return; }
  elapsed "$t"
}

prepare_containerd() {
  stop_containerd; umount_below "$H/containerd/"; rm -rf "$CTRD_STATE"
  fresh_fs "$CTRD_ROOT"
  start_containerd >/dev/null 2>&1; sync
  [ -z "$1" ] || $C images pull --plain-http "$REG_ADDR/$1" >/dev/null 2>&1
}
run_containerd() {
  local t; t=$(now)
  $C images pull --plain-http "$REG_ADDR/$1" >/dev/null 2>&1 || { echo FAIL; return; }
  elapsed "$t"
}

prepare_skopeo() {
  fresh_fs "$B/sk"
  [ -z "$1" ] || skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$REG_ADDR/$1" "oci:$B/sk/oci:prior" >/dev/null 2>&1
}
run_skopeo() {
  local t; t=$(now)
  skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$REG_ADDR/$1" "oci:$B/sk/oci:img" >/dev/null 2>&1 \
    && umoci unpack --image "$B/sk/oci:img" "$B/sk/bundle" >/dev/null 2>&1 || { echo FAIL; return; }
  elapsed "$t"
}

# After each timed run: no daemon or containerd left running beside the next tool (a daemon just
# warmed up still has compilations queued), and its writes on their way to disk.
settle() { stop_daemon; stop_containerd; sync; }

layers_of() {  # digest,mediaType per layer of an image
  curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
    "$REG/v2/${1%%:*}/manifests/${1#*:}" | jq -r '.layers[] | .digest + "," + .mediaType'
}
raw_prior=
prepare_raw() { fresh_fs "$B/raw"; raw_prior=${1:+$(layers_of "$1")}; }
run_raw() {  # per layer A lacks: curl | decompress | tar -x, all layers at once
  local repo=${1%%:*} d i=0 t todo
  todo=$(layers_of "$1" | grep -vxF -e "${raw_prior:-none}" || true)
  t=$(now)
  for d in $todo; do
    local dig=${d%%,*} mt=${d#*,} dec="pigz -dc"
    case "$mt" in *zstd) dec="zstd -dcq";; *tar) dec="cat";; esac
    mkdir -p "$B/raw/$i"
    (curl -fsS "$REG/v2/$repo/blobs/$dig" | $dec | tar -x -C "$B/raw/$i") &
    i=$((i + 1))
  done
  wait
  elapsed "$t"
}

{
  echo "Cold pull + unpack, median (min-max) of $REPS interleaved rounds, $(date -u '+%F %H:%M') UTC, commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "Machine: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), kernel $(uname -r)"
  echo "layercache on $("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1), gzip by $(ldconfig -p | grep -q 'libisal\.so\.2 ' && echo "igzip (libisal2)" || echo "the JDK's zlib"); $(containerd --version | cut -d' ' -f1,3); skopeo $(skopeo --version | cut -d' ' -f3), umoci $(umoci --version | cut -d' ' -f3)"
  echo "Load average (1, 5, 15 min) at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$HEADER"
printf 'image\ttool\trep\tseconds\n' >"$TSV"
for ref in $IMAGES; do
  prior= image=$ref
  case "$ref" in *">"*) prior=${ref%%>*} image=${ref#*>};; esac
  for rep in $(seq 1 "$REPS"); do
    for k in "${!TOOLS[@]}"; do
      tool=${TOOLS[$(((k + rep) % ${#TOOLS[@]}))]}
      if "prepare_$tool" "$prior" >/dev/null 2>&1; then s=$("run_$tool" "$image"); else s=FAIL; fi
      settle >/dev/null 2>&1
      printf '%s\t%s\t%s\t%s\n' "$ref" "$tool" "$rep" "$s" >>"$TSV"
      echo "$ref $tool #$rep: ${s}s" >&2
    done
  done
done

# The daemon's memory while two pulls are asked of it at once (its local API runs them one after
# the other): the peak resident set (VmHWM) of a daemon that pulled nothing before.
echo "daemon memory ..." >&2
start_daemon cold
through_daemon "$B/daemon/store" pull "$REG_ADDR/harness/python-app:1.0" & first=$!
through_daemon "$B/daemon/store" pull "$REG_ADDR/$WARM_UP:gzip" & second=$!
wait "$first" "$second"
echo "Daemon memory: peak RSS $(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$daemon_pid/status") while asked to pull harness/python-app:1.0 and $WARM_UP:gzip at once" >>"$HEADER"
stop_daemon
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$HEADER"
summarize
