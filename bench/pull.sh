#!/usr/bin/env bash
# Cold pull + unpack (empty store) of the same images from a loopback registry, in the same run:
#   layercache pull (the CLI: a fresh JVM each time, so JVM start and JIT warm-up are included;
#   with the class-data-sharing archive the ./layercache launcher keeps)
#   vs containerd `ctr images pull` vs skopeo copy + umoci unpack
#   vs the raw pipeline `curl | pigz -d | tar -x` (all layers in parallel), a lower bound.
# Runs are interleaved (one of each tool per round) so that load on the machine hits all alike, and
# each run writes to a freshly made ext4 filesystem (a loop device), so that no tool pays for the
# inodes another just deleted (ext4 skips recently freed inodes, which slows creating files).
# Then the agent's case: the same pulls inside one warm JVM (PullBenchmark, after 2 warm-ups),
# which is how the long-running node agent pulls.
#
#   sudo bench/pull.sh                    # REPS=5 IMAGES="harness/python-app:1.0 harness/python-app:1.0-zstd"
#
# Images come from the realistic-image harness (../shared/tools/realistic-images: debootstrap-built
# Debian + python images, pushed to 127.0.0.1:5000); it is run once when its images are missing.
# Processes this script starts (registry, containerd) are stopped by PID at exit.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=${HARNESS:-$REPO/../shared/tools/realistic-images}
export H=${H:-${TMPDIR:-/tmp}/layercache-harness}
# shellcheck source=/dev/null
. "$HARNESS/lib.sh"
REPS=${REPS:-5}
IMAGES=${IMAGES:-"harness/python-app:1.0 harness/python-app:1.0-zstd"}
B=$H/bench-layercache
OUT=${OUT:-$REPO/bench/results}
C="ctr -a $CTRD_SOCK -n bench"
mkdir -p "$B" "$OUT"

# "median min max" of the numbers on stdin; "n/a" when a tool failed every time (umoci 0.4 cannot unpack zstd)
stats() { { grep -v FAIL || true; } | sort -n | awk '{a[NR]=$1} END{if (NR==0) print "n/a n/a n/a"; else printf "%.3f %s %s\n", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2, a[1], a[NR]}'; }

TSV=$OUT/pull.tsv
LOAD=$OUT/pull.load
summarize() {
{
  echo "Cold pull + unpack, median (min-max) of $REPS interleaved runs, $(date -u +%F)"
  echo "Machine: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) cores, kernel $(uname -r)"
  [ -s "$LOAD" ] && echo "Load (uptime) at start and end: $(paste -sd ';' "$LOAD")"
  echo
  echo "| image | layercache CLI | agent (warm JVM) | containerd | skopeo+umoci | curl\\|pigz\\|tar | containerd / CLI | containerd / agent | skopeo+umoci / CLI | CLI / raw | agent / raw |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for ref in $IMAGES; do
    declare -A st=()
    for tool in layercache agent_warm containerd skopeo_umoci raw; do
      st[$tool]=$(awk -F'\t' -v r="$ref" -v t="$tool" '$1==r && $2==t {print $4}' "$TSV" | stats)
    done
    awk -v r="$ref" -v l="${st[layercache]}" -v a="${st[agent_warm]}" -v c="${st[containerd]}" -v s="${st[skopeo_umoci]}" -v w="${st[raw]}" '
      function m(x) { split(x, f, " "); return f[1] }
      function t(x) { split(x, f, " "); return f[1] == "n/a" ? "n/a" : sprintf("%.2f s (%.2f-%.2f)", f[1], f[2], f[3]) }
      function q(x, y) { return (m(x) == "n/a" || m(y) == "n/a") ? "n/a" : sprintf("%.2fx", m(x) / m(y)) }
      BEGIN { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
              r, t(l), t(a), t(c), t(s), t(w), q(c, l), q(c, a), q(s, l), q(l, w), q(a, w) }'
  done
} | tee "$OUT/pull.md"
}
if [ "${SUMMARY_ONLY:-0}" = 1 ]; then summarize; exit 0; fi

for tool in ctr skopeo umoci pigz curl jq zstd; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run $HARNESS/setup.sh (it installs them)"; exit 1; }
done
[ -s "$H/images.tsv" ] || "$HARNESS/setup.sh"

started_registry=0
cleanup() {
  set +e
  stop_containerd
  umount_below "$B/"
  umount_below "$H/containerd/"
  [ "$started_registry" = 1 ] && stop_registry
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if ! pid_alive "$RUN/registry.pid" docker-registry; then start_registry; started_registry=1; fi

echo "building layercache ..." >&2
"$REPO/layercache" --version >/dev/null
(cd "$REPO" && ./mvnw -q -B -o -pl node-agent -am test-compile -Dspotless.check.skip=true)
# Run the built jar directly (the launcher would rebuild if sources changed during the benchmark),
# with the class-data-sharing archive the launcher makes on its first run after a build.
rm -f "$REPO/node-agent/target/layercache.jsa"
"$REPO/layercache" --root "$B/cds-warm-up" pull "$REG_ADDR/${IMAGES%% *}" >/dev/null 2>&1
rm -rf "$B/cds-warm-up"
LAYERCACHE=(java -XX:SharedArchiveFile="$REPO/node-agent/target/layercache.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off
  ${LAYERCACHE_JAVA_OPTS:-} -cp "$REPO/node-agent/target/layercache.jar:$REPO/node-agent/target/lib/*" dev.layercache.agent.Main)

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

run_layercache() {
  fresh_fs "$B/lc"
  local t; t=$(now)
  "${LAYERCACHE[@]}" --root "$B/lc/store" pull "$REG_ADDR/$1" >/dev/null 2>&1 || { echo FAIL; return; }
  elapsed "$t"
}

run_containerd() {
  stop_containerd; umount_below "$H/containerd/"; rm -rf "$CTRD_STATE"
  fresh_fs "$CTRD_ROOT"
  start_containerd >/dev/null 2>&1; sync
  local t; t=$(now)
  $C images pull --plain-http "$REG_ADDR/$1" >/dev/null 2>&1 || { echo FAIL; return; }
  elapsed "$t"
}

run_skopeo_umoci() {
  fresh_fs "$B/sk"
  local t; t=$(now)
  skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$REG_ADDR/$1" "oci:$B/sk/oci:img" >/dev/null 2>&1 \
    && umoci unpack --image "$B/sk/oci:img" "$B/sk/bundle" >/dev/null 2>&1 || { echo FAIL; return; }
  elapsed "$t"
}

run_raw() {  # per layer: curl | decompress | tar -x, all layers at once
  local repo=${1%%:*} tag=${1#*:} m d i=0 t
  m=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' "$REG/v2/$repo/manifests/$tag")
  fresh_fs "$B/raw"
  t=$(now)
  for d in $(echo "$m" | jq -r '.layers[] | .digest + "," + .mediaType'); do
    local dig=${d%%,*} mt=${d#*,} dec="pigz -dc"
    case "$mt" in *zstd) dec="zstd -dcq";; *tar) dec="cat";; esac
    mkdir -p "$B/raw/$i"
    (curl -fsS "$REG/v2/$repo/blobs/$dig" | $dec | tar -x -C "$B/raw/$i") &
    i=$((i + 1))
  done
  wait
  elapsed "$t"
}

run_agent_warm() {  # prints REPS lines of seconds
  local cp
  cp=$REPO/node-agent/target/classes:$REPO/node-agent/target/test-classes:$(ls "$REPO"/node-agent/target/lib/*.jar | tr '\n' ':')
  fresh_fs "$B/agent"
  java -cp "$cp" dev.layercache.agent.store.PullBenchmark "$B/agent/store" "$REG_ADDR/$1" 2 "$REPS"
}



printf 'image\ttool\trep\tseconds\n' >"$TSV"
uptime | sed "s/.*load average/load average/" >"$LOAD"
for ref in $IMAGES; do
  for rep in $(seq 1 "$REPS"); do
    for tool in layercache containerd skopeo_umoci raw; do
      s=$("run_$tool" "$ref")
      printf '%s\t%s\t%s\t%s\n' "$ref" "$tool" "$rep" "$s" >>"$TSV"
      echo "$ref $tool #$rep: ${s}s" >&2
    done
  done
done

for ref in $IMAGES; do
  rep=0
  for s in $(run_agent_warm "$ref"); do
    rep=$((rep + 1))
    printf '%s\t%s\t%s\t%s\n' "$ref" agent_warm "$rep" "$s" >>"$TSV"
    echo "$ref agent (warm JVM) #$rep: ${s}s" >&2
  done
done

uptime | sed "s/.*load average/load average/" >>"$LOAD"
summarize
