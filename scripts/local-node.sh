#!/usr/bin/env bash
# One real Kubernetes node for the control plane in $KUBECONFIG (scripts/local-cluster.sh up):
# containerd 2.x (built by scripts/test-binaries.sh) with Debian's runc, its default runtime handler
# on overlayfs and the runtime handler `layercache` (RuntimeClass layercache) on the layercache
# snapshotter at DIR/run/snapshotter.sock, a pause image built here (gcc -static, no registry), the
# kubelet registered as a Node, and kube-scheduler. As root; pods should use hostNetwork (the only
# CNI network is loopback, see docs/operations.md).
#
#   scripts/local-node.sh up [--dir DIR] [--store DIR | --no-daemon] [--name NODE]
#                            [--registry HOST:PORT]... [--owner PID]
#                                                   start; prints `export CONTAINERD_ADDRESS=...`
#   scripts/local-node.sh down [--dir DIR]          stop what `up` started, unmount, remove DIR
#
# DIR (default $LAYERCACHE_NODE_DIR, else /tmp/layercache-node) holds containerd's root, state and
# socket, the logs (DIR/logs/), the PIDs, crictl.yaml and host/, a shared mount for hostPath
# volumes that propagate mounts, with the kubelet's root (DIR/host/kubelet: the CSI plugin's
# Bidirectional volume of it needs a shared mount). `up` serves the snapshotter socket with a
# `layercache daemon` on --store (default DIR/store; one outside DIR is kept by `down`); with
# --no-daemon it leaves the socket to another server, such as the agent DaemonSet's pod (pods on
# the default handler run either way). Each --registry is a loopback registry containerd pulls from
# over plain HTTP (more: DIR/containerd/certs.d/HOST/hosts.toml). With --owner, the node goes down
# once process PID exits.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  echo "usage: $0 up|down [--dir DIR] [--store DIR | --no-daemon] [--name NODE] [--registry HOST:PORT]... [--owner PID]" >&2
  exit 2
}

command=${1:-}
[ $# -gt 0 ] && shift
dir=${LAYERCACHE_NODE_DIR:-/tmp/layercache-node}
store=
daemon=true
name=$(hostname)
owner=
registries=()
while [ $# -gt 0 ]; do
  case $1 in
    --dir) dir=${2:?--dir needs a directory}; shift 2 ;;
    --store) store=${2:?--store needs a directory}; shift 2 ;;
    --no-daemon) daemon=false; shift ;;
    --name) name=${2:?--name needs a node name}; shift 2 ;;
    --registry) registries+=("${2:?--registry needs HOST:PORT}"); shift 2 ;;
    --owner) owner=${2:?--owner needs a PID}; shift 2 ;;
    *) usage ;;
  esac
done
dir=$(readlink -m "$dir")
bin=${LAYERCACHE_TOOLS:-$HOME/.cache/layercache/tools}/bin
socket=$dir/containerd/containerd.sock
kubelet_root=$dir/host/kubelet
snapshotter_socket=$dir/run/snapshotter.sock
# The kubelet's cgroups live under this parent in every v1 hierarchy, so `down` finds them all.
cgroup_root=/layercache-node
components=(layercache-daemon containerd kubelet kube-scheduler)
PAUSE_IMAGE=layercache.local/pause:1
# The runtime handler (and RuntimeClass) whose snapshotter is layercache's.
HANDLER=layercache

running() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

stop() {
  local pid
  running "$1" || return 0
  pid=$(cat "$dir/$1.pid")
  [ "$pid" != $$ ] || return 0 # the watchdog itself, taking the node down
  kill "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

crictl() { "$bin/crictl" --config "$dir/crictl.yaml" "$@"; }
# containerd 2.x finds its runc shim on PATH: its own directory goes first.
containerd_dir() { dirname "$(readlink -f "$bin/containerd2")"; }
ctr() { "$(containerd_dir)/ctr" "$@"; }

down() {
  [ -e "$dir" ] || return 0
  if [ ! -f "$dir/.layercache-node" ]; then
    echo "not touching $dir: it was not made by $0 up" >&2
    return 1
  fi
  stop watchdog
  stop kube-scheduler
  # The kubelet first, so that nothing restarts the pods removed next.
  stop kubelet
  if running containerd; then
    # Pods, then any task left, so no shim or container outlives the node.
    crictl rmp -fa >/dev/null 2>&1 || true
    local ns id
    for ns in k8s.io default; do
      for id in $(ctr -a "$socket" -n "$ns" tasks ls -q 2>/dev/null); do
        ctr -a "$socket" -n "$ns" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
        ctr -a "$socket" -n "$ns" tasks delete -f "$id" >/dev/null 2>&1 || true
      done
    done
  fi
  stop containerd
  stop layercache-daemon
  # What pods left mounted under DIR (volumes, shm, rootfs), deepest first.
  findmnt -rn -o TARGET | grep -F "$dir/" | sort -r | while read -r target; do
    umount "$target" 2>/dev/null || umount -l "$target"
  done
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/; do
    [ -d "$hierarchy$cgroup_root" ] && find "$hierarchy$cgroup_root" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  rm -rf "$dir"
}

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

start() {
  local component=$1
  shift
  setsid "$@" >"$dir/logs/$component.log" 2>&1 </dev/null &
  echo $! >"$dir/$component.pid"
}

wait_for() { # what, seconds, command...
  local what=$1 seconds=$2 component
  shift 2
  for _ in $(seq $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    for component in "${components[@]}"; do
      if [ -f "$dir/$component.pid" ] && ! running "$component"; then
        echo "$component exited while waiting for $what; last lines of $dir/logs/$component.log:" >&2
        tail -n 20 "$dir/logs/$component.log" >&2
        return 1
      fi
    done
    sleep 0.2
  done
  echo "timed out after ${seconds}s waiting for $what; logs in $dir/logs/" >&2
  return 1
}

# A sandbox image of one static program that waits for SIGTERM, imported into containerd's CRI
# namespace under $PAUSE_IMAGE for the default handler (overlayfs): its blob stays in containerd's
# content store, where sandboxes on the layercache handler unpack it from (docs/containerd.md).
pause_image() {
  local work=$dir/pause
  mkdir -p "$work"
  cat >"$work/pause.c" <<'EOF'
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
static void stop(int s) { (void)s; _exit(0); }
static void reap(int s) { (void)s; while (waitpid(-1, 0, WNOHANG) > 0) {} }
int main(void) {
  signal(SIGTERM, stop);
  signal(SIGINT, stop);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
EOF
  gcc -static -O2 -o "$work/pause" "$work/pause.c"
  umoci init --layout "$work/oci"
  umoci new --image "$work/oci:pause"
  umoci unpack --image "$work/oci:pause" "$work/bundle" >/dev/null
  install -m 0755 "$work/pause" "$work/bundle/rootfs/pause"
  umoci repack --image "$work/oci:pause" "$work/bundle"
  umoci config --image "$work/oci:pause" --os linux --architecture amd64 --config.entrypoint /pause
  skopeo copy -q "oci:$work/oci:pause" "docker-archive:$work/pause.tar:$PAUSE_IMAGE"
  ctr -a "$socket" -n k8s.io images import --snapshotter overlayfs "$work/pause.tar" >/dev/null
  rm -rf "$work"
}

# containerd 2.x as docs/containerd.md recommends: overlayfs for the CRI images' default handler
# (system pods start whether or not the snapshotter is served), the handler $HANDLER on layercache.
containerd_config() {
  cat <<EOF
version = 3
root = "$dir/containerd/root"
state = "$dir/containerd/state"
[grpc]
  address = "$socket"
[ttrpc]
  address = "$socket.ttrpc"
[proxy_plugins]
  [proxy_plugins.layercache]
    type = "snapshot"
    address = "$snapshotter_socket"
    [proxy_plugins.layercache.exports]
      enable_remote_snapshot_annotations = "true"
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "$PAUSE_IMAGE"
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = "$dir/containerd/certs.d"
[plugins.'io.containerd.cri.v1.runtime']
  # this machine's sandbox may not lower oom_score_adj
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "$dir/cni"
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        Root = "$dir/containerd/runc"
        SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.$HANDLER]
      runtime_type = "io.containerd.runc.v2"
      snapshotter = "layercache"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.$HANDLER.options]
        Root = "$dir/containerd/runc"
        SystemdCgroup = false
# CRI pulls go through the transfer service, which unpacks only into the snapshotters listed.
[[plugins.'io.containerd.transfer.v1.local'.unpack_config]]
  platform = "linux/amd64"
  snapshotter = "overlayfs"
[[plugins.'io.containerd.transfer.v1.local'.unpack_config]]
  platform = "linux/amd64"
  snapshotter = "layercache"
EOF
}

# containerd reads DIR/containerd/certs.d/HOST/hosts.toml on every pull: a registry can be added
# while the node runs.
trust_registry() {
  mkdir -p "$dir/containerd/certs.d/$1"
  printf 'server = "http://%s"\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n' "$1" "$1" \
    >"$dir/containerd/certs.d/$1/hosts.toml"
}

kubelet_config() {
  cat <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# These machines have cgroup v1, which kubelet 1.35+ refuses unless told otherwise.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: $cgroup_root
containerRuntimeEndpoint: unix://$socket
# Loopback only; the API server reaches it by the node's Hostname address.
address: 127.0.0.1
port: $1
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $2
# A test node on loopback: any local client may read logs and exec (kubectl logs works).
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
failSwapOn: false
# The machine is shared: no evictions or image GC because of what others put on the disk.
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
# The pod's RuntimeClass goes into CRI PullImage too: containerd pulls a layercache pod's image
# into the layercache snapshotter (docs/containerd.md), not into overlayfs.
featureGates: {RuntimeClassInImageCriApi: true}
EOF
}

up() {
  [ "$(id -u)" = 0 ] || { echo "$0: the node runs as root (containers, mounts, cgroups)" >&2; exit 1; }
  [ -n "${KUBECONFIG:-}" ] && [ -f "$KUBECONFIG" ] ||
    { echo "$0: KUBECONFIG must name the control plane's kubeconfig (scripts/local-cluster.sh up)" >&2; exit 1; }
  local tool
  for tool in runc gcc umoci skopeo /usr/lib/cni/loopback; do
    command -v "$tool" >/dev/null || {
      echo "$0: $tool is missing (apt-get install runc gcc libc6-dev umoci skopeo containernetworking-plugins)" >&2
      exit 1
    }
  done
  if running kubelet; then
    echo "already up in $dir" >&2
    echo "export CONTAINERD_ADDRESS=$socket"
    return
  fi
  [ ! -e "$dir" ] || down # leftovers of a node that died
  "$here/test-binaries.sh" kubelet kube-scheduler crictl containerd2 >&2
  mkdir -p "$dir/logs" "$dir/run" "$dir/cni" "$dir/containerd"
  touch "$dir/.layercache-node"
  store=$(readlink -m "${store:-$dir/store}")
  mkdir -p "$store"
  # hostPath volumes with Bidirectional propagation (the agent's store) need a shared mount, and
  # this machine's / is private: DIR/host is one.
  mkdir -p "$dir/host"
  mount --bind "$dir/host" "$dir/host"
  mount --make-rshared "$dir/host"
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/; do mkdir -p "$hierarchy$cgroup_root"; done

  if [ "$daemon" = true ]; then
    start layercache-daemon "$here/../layercache" --root "$store" daemon --snapshotter-address "$snapshotter_socket"
    # It prints this line once its gRPC server serves (the socket file exists a little before).
    wait_for "the layercache daemon" 120 grep -q "snapshotter on $snapshotter_socket" "$dir/logs/layercache-daemon.log"
  fi

  # The CRI plugin reports the network ready once a config exists; hostNetwork pods never use it.
  echo '{"cniVersion":"1.0.0","name":"layercache-loopback","plugins":[{"type":"loopback"}]}' \
    >"$dir/cni/10-loopback.conflist"
  containerd_config >"$dir/containerd/config.toml"
  local registry
  for registry in "${registries[@]}"; do trust_registry "$registry"; done
  # containerd names this directory as the layercache handler's image filesystem and does not
  # make it for a proxy plugin: point it at the store's filesystem.
  mkdir -p "$dir/containerd/root"
  ln -sfn "$store" "$dir/containerd/root/io.containerd.snapshotter.v1.layercache"
  printf 'runtime-endpoint: unix://%s\nimage-endpoint: unix://%s\ntimeout: 120\n' "$socket" "$socket" \
    >"$dir/crictl.yaml"
  start containerd env PATH="$(containerd_dir):$PATH" "$(containerd_dir)/containerd" --config "$dir/containerd/config.toml"
  wait_for "containerd" 30 ctr -a "$socket" version
  pause_image

  local kubelet_port healthz_port
  kubelet_port=$(free_port)
  healthz_port=$(free_port)
  mkdir -p "$dir/kubelet" "$kubelet_root"
  kubelet_config "$kubelet_port" "$healthz_port" >"$dir/kubelet/config.yaml"
  start kubelet "$bin/kubelet" --config "$dir/kubelet/config.yaml" --kubeconfig "$KUBECONFIG" \
    --root-dir "$kubelet_root" --cert-dir "$dir/kubelet/pki" --hostname-override "$name"
  wait_for "Node $name Ready" 120 \
    "$bin/kubectl" wait --for condition=Ready --timeout 1s "node/$name"

  printf 'apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: %s}\nhandler: %s\n' \
    "$HANDLER" "$HANDLER" | "$bin/kubectl" apply -f - >/dev/null

  if ! "$bin/kubectl" -n kube-system get lease kube-scheduler >/dev/null 2>&1; then
    start kube-scheduler "$bin/kube-scheduler" --kubeconfig "$KUBECONFIG" --authentication-kubeconfig "$KUBECONFIG" \
      --authorization-kubeconfig "$KUBECONFIG" --bind-address 127.0.0.1 --secure-port "$(free_port)"
    wait_for "kube-scheduler" 60 "$bin/kubectl" -n kube-system get lease kube-scheduler
  fi

  if [ -n "$owner" ]; then
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec "$2" down --dir "$3"' \
      watchdog "$owner" "$here/local-node.sh" "$dir" >/dev/null 2>&1 </dev/null &
    echo $! >"$dir/watchdog.pid"
  fi
  local served="served by a daemon on $store"
  [ "$daemon" = true ] || served="not served: serve $snapshotter_socket"
  echo "up: node $name (kubelet 127.0.0.1:$kubelet_port, root $kubelet_root), containerd $socket," \
    "RuntimeClass $HANDLER ($served); logs in $dir/logs" >&2
  echo "export CONTAINERD_ADDRESS=$socket"
}

case $command in
  up) up ;;
  down) down ;;
  *) usage ;;
esac
