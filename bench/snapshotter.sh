#!/usr/bin/env bash
# Time from a CRI pull to a container that has run, and the disk the image takes, through
# Debian's containerd and crictl (the kubelet's path), three ways:
#   overlayfs        containerd's own snapshotter, cold (it downloads, keeps the blobs, unpacks)
#   layercache-warm  the layercache snapshotter after `layercache pull` warmed the store
#   layercache-cold  the layercache snapshotter with an empty store (the daemon fetches the layers
#                    the CRI plugin names)
# The image is built here from this machine's own files, like a python app image: a base layer
# (/usr/share/doc), the Python standard library, a JDK, and a small app layer with a static
# program as /bin/sh. Runs are interleaved (one of each per round), each on fresh roots.
#
#   sudo bench/snapshotter.sh          # REPS=3; results in bench/results/snapshotter.{tsv,md}
#   SUMMARY_ONLY=1 bench/snapshotter.sh   # the table again from the .tsv
#
# Processes this script starts (registry, containerd, daemon) are stopped by PID at exit.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
REPS=${REPS:-3}
B=${B:-${TMPDIR:-/tmp}/layercache-bench-snapshotter}
OUT=${OUT:-$REPO/bench/results}
CRICTL=${LAYERCACHE_TOOLS:-$HOME/.cache/layercache/tools}/bin/crictl
PORT=${PORT:-5091}
REG=127.0.0.1:$PORT
IMAGE=$REG/bench/python-app:1
PAUSE=$REG/bench/pause:1
JAR="$REPO/node-agent/target/layercache.jar:$REPO/node-agent/target/lib/*"

for tool in containerd ctr runc umoci skopeo docker-registry gcc; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install containerd runc umoci skopeo docker-registry gcc libc6-dev)"; exit 1; }
done
[ -x "$CRICTL" ] || { echo "missing $CRICTL: run scripts/test-binaries.sh"; exit 1; }
[ -f "$REPO/node-agent/target/layercache.jar" ] || (cd "$REPO" && ./mvnw -q -B -ntp -pl node-agent -am package -DskipTests)

mkdir -p "$B" "$OUT"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# ---- registry and images
cat > "$B/registry.yml" <<EOF
version: 0.1
storage: {filesystem: {rootdirectory: $B/registry}}
http: {addr: $REG}
log: {level: error}
EOF
docker-registry serve "$B/registry.yml" >"$B/registry.log" 2>&1 & pids+=($!)
for _ in $(seq 50); do curl -sf "http://$REG/v2/" >/dev/null && break; sleep 0.2; done

if ! skopeo inspect --tls-verify=false "docker://$IMAGE" >/dev/null 2>&1; then
  cat > "$B/tool.c" <<'EOF'
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
static void stop(int s) { (void)s; _exit(0); }
int main(int argc, char **argv) {
  if (argc == 1) { signal(SIGTERM, stop); for (;;) pause(); }
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "r");
    if (!f) { perror(argv[i]); return 1; }
    char buf[4096]; size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
    fclose(f);
  }
  return 0;
}
EOF
  gcc -static -O2 -o "$B/tool" "$B/tool.c"
  rm -rf "$B/oci" "$B/bundle"
  umoci init --layout "$B/oci"
  umoci new --image "$B/oci:pause"
  umoci unpack --image "$B/oci:pause" "$B/bundle" >/dev/null
  install -D -m 0755 "$B/tool" "$B/bundle/rootfs/bin/sh"
  umoci repack --image "$B/oci:pause" "$B/bundle"
  umoci config --image "$B/oci:pause" --config.cmd /bin/sh
  rm -rf "$B/bundle"
  umoci new --image "$B/oci:app"
  umoci unpack --image "$B/oci:app" "$B/bundle" >/dev/null
  for dir in /usr/share/doc /usr/lib/python3 /usr/lib/python3.11 /usr/lib/jvm/java-17-openjdk-amd64; do
    mkdir -p "$B/bundle/rootfs$(dirname "$dir")"
    cp -a "$dir" "$B/bundle/rootfs$dir"
    umoci repack --refresh-bundle --image "$B/oci:app" "$B/bundle" # one layer per directory
  done
  install -D -m 0755 "$B/tool" "$B/bundle/rootfs/bin/sh"
  echo "hello from the app" > "$B/bundle/rootfs/app.txt"
  umoci repack --image "$B/oci:app" "$B/bundle"
  umoci config --image "$B/oci:app" --config.cmd /bin/sh
  rm -rf "$B/bundle"
  skopeo copy --dest-tls-verify=false "oci:$B/oci:pause" "docker://$PAUSE" >/dev/null
  skopeo copy --dest-tls-verify=false "oci:$B/oci:app" "docker://$IMAGE" >/dev/null
fi

# ---- one run: fresh roots, then CRI pull + pod + container, timed; then the disk
run() { # mode round
  local mode=$1 round=$2 d=$B/run-$1-$2
  rm -rf "$d"; mkdir -p "$d/logs"
  local store=$d/store sock=$d/run/snapshotter.sock snapshotter=layercache
  [ "$mode" = overlayfs ] && snapshotter=overlayfs
  {
    echo 'version = 2'
    echo "root = \"$d/containerd\""
    echo "state = \"$d/state\""
    echo "[grpc]"; echo "  address = \"$d/containerd.sock\""
    echo "[ttrpc]"; echo "  address = \"$d/containerd.sock.ttrpc\""
    echo "[proxy_plugins.layercache]"; echo '  type = "snapshot"'; echo "  address = \"$sock\""
    echo '[plugins."io.containerd.grpc.v1.cri"]'
    echo '  restrict_oom_score_adj = true'
    echo "  sandbox_image = \"$PAUSE\""
    echo '  [plugins."io.containerd.grpc.v1.cri".containerd]'
    echo "    snapshotter = \"$snapshotter\""
    echo '    disable_snapshot_annotations = false'
    echo '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]'
    echo '    runtime_type = "io.containerd.runc.v2"'
    echo '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]'
    echo "    Root = \"$d/runc\""
    echo "  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"$REG\"]"
    echo "    endpoint = [\"http://$REG\"]"
  } > "$d/config.toml"
  printf 'runtime-endpoint: unix://%s\nimage-endpoint: unix://%s\ntimeout: 600\n' \
    "$d/containerd.sock" "$d/containerd.sock" > "$d/crictl.yaml"
  local C="$CRICTL --config $d/crictl.yaml"
  local daemon=""
  if [ "$mode" != overlayfs ]; then
    mkdir -p "$store"
    java -cp "$JAR" dev.layercache.agent.Main --root "$store" pull "$PAUSE" >/dev/null
    [ "$mode" = layercache-warm ] && java -cp "$JAR" dev.layercache.agent.Main --root "$store" pull "$IMAGE" >/dev/null
    java -cp "$JAR" dev.layercache.agent.Main --root "$store" daemon --snapshotter-address "$sock" >"$d/daemon.log" 2>&1 &
    daemon=$!; pids+=($daemon)
    for _ in $(seq 300); do grep -q "daemon on" "$d/daemon.log" && break; sleep 0.2; done
  fi
  containerd --config "$d/config.toml" >"$d/containerd.log" 2>&1 & local ctrd=$!; pids+=($ctrd)
  for _ in $(seq 100); do ctr -a "$d/containerd.sock" version >/dev/null 2>&1 && break; sleep 0.2; done
  $C pull "$PAUSE" >/dev/null 2>&1
  printf '{"metadata":{"name":"b","namespace":"default","uid":"b-%s-%s"},"log_directory":"%s","linux":{"security_context":{"namespace_options":{"network":2}}}}' \
    "$mode" "$round" "$d/logs" > "$d/pod.json"
  printf '{"metadata":{"name":"app"},"image":{"image":"%s"},"command":["/bin/sh"],"args":["/app.txt"],"log_path":"app.log"}' \
    "$IMAGE" > "$d/ctr.json"

  local t0 t1 pod ctr
  t0=$(date +%s.%N)
  $C pull "$IMAGE" >/dev/null 2>&1
  pod=$($C runp "$d/pod.json" 2>/dev/null)
  ctr=$($C create "$pod" "$d/ctr.json" "$d/pod.json" 2>/dev/null)
  $C start "$ctr" >/dev/null 2>&1
  until $C ps -a -q --state exited 2>/dev/null | grep -q "$ctr"; do sleep 0.05; done
  t1=$(date +%s.%N)
  grep -q "hello from the app" "$d/logs/app.log" || { echo "$mode: the container did not print its file"; exit 1; }

  # what the node keeps for the image: containerd's root (content store, its snapshots) and the store
  local disk
  disk=$(du -sx --block-size=1 "$d/containerd" ${daemon:+"$store"} | awk '{s+=$1} END {print s}')
  printf '%s\t%s\t%s\t%.3f\t%s\n' "$IMAGE" "$mode" "$round" "$(echo "$t1 - $t0" | bc)" "$disk" >> "$TSV"

  $C rmp -fa >/dev/null 2>&1 || true
  kill "$ctrd"; wait "$ctrd" 2>/dev/null || true
  [ -n "$daemon" ] && { kill "$daemon"; wait "$daemon" 2>/dev/null || true; }
  for m in $(awk -v d="$d" '$5 ~ "^"d {print $5}' /proc/self/mountinfo | sort -r); do umount "$m" 2>/dev/null || true; done
  rm -rf "$d"
}

TSV=$OUT/snapshotter.tsv
if [ "${SUMMARY_ONLY:-0}" != 1 ]; then
: > "$TSV"
for round in $(seq "$REPS"); do
  for mode in overlayfs layercache-warm layercache-cold; do
    run "$mode" "$round"
  done
done
fi

median() { sort -n | awk '{a[NR]=$1} END{if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
{
  echo "CRI pull to a container that has run, median of $REPS interleaved runs, $(date -u +%F), $(nproc) cores, $(uname -r), containerd $(containerd --version | awk '{print $3}')"
  echo
  echo "| mode | pull → container ran | disk for the image | overlayfs time / this | this disk / overlayfs |"
  echo "|---|---|---|---|---|"
  base_t=$(awk -F'\t' '$2=="overlayfs" {print $4}' "$TSV" | median)
  base_d=$(awk -F'\t' '$2=="overlayfs" {print $5}' "$TSV" | median)
  for mode in overlayfs layercache-warm layercache-cold; do
    t=$(awk -F'\t' -v m="$mode" '$2==m {print $4}' "$TSV" | median)
    dsk=$(awk -F'\t' -v m="$mode" '$2==m {print $5}' "$TSV" | median)
    awk -v m="$mode" -v t="$t" -v d="$dsk" -v bt="$base_t" -v bd="$base_d" 'BEGIN {
      if (m == "overlayfs") printf "| %s | %.2f s | %.0f MB | | |\n", m, t, d / 1e6
      else printf "| %s | %.2f s | %.0f MB | %.2fx | %.2fx |\n", m, t, d / 1e6, bt / t, d / bd }'
  done
} | tee "$OUT/snapshotter.md"
