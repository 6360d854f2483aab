#!/usr/bin/env bash
# A Kubernetes control plane on loopback for people and tests: etcd, kube-apiserver and
# kube-controller-manager built by scripts/test-binaries.sh. No kubelet, so no pods run.
#
#   scripts/local-cluster.sh up [--dir DIR] [--owner PID]   start; prints `export KUBECONFIG=...`
#   scripts/local-cluster.sh down [--dir DIR]               stop what `up` started, remove DIR
#   scripts/local-cluster.sh stop|start COMPONENT [--dir DIR]
#                                   stop one component, or start it again as `up` did (tests of
#                                   clients that must survive a kube-apiserver restart)
#
# DIR (default $LAYERCACHE_CLUSTER_DIR, else /tmp/layercache-cluster) holds the certificates, the
# kubeconfig, etcd's data, the logs (DIR/logs/) and the PIDs. With --owner, the cluster goes down
# by itself once process PID has exited (the tests pass their JVM's PID).
# A node (kubelet + containerd) for it: scripts/local-node.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  echo "usage: $0 up|down [--dir DIR] [--owner PID] | stop|start COMPONENT [--dir DIR]" >&2
  exit 2
}

command=${1:-}
[ $# -gt 0 ] && shift
component=
case $command in
  stop | start) component=${1:-}; [ $# -gt 0 ] && shift ;;
esac
dir=${LAYERCACHE_CLUSTER_DIR:-/tmp/layercache-cluster}
owner=
while [ $# -gt 0 ]; do
  case $1 in
    --dir) dir=${2:?--dir needs a directory}; shift 2 ;;
    --owner) owner=${2:?--owner needs a PID}; shift 2 ;;
    *) usage ;;
  esac
done
bin=${LAYERCACHE_TOOLS:-$HOME/.cache/layercache/tools}/bin
kubeconfig=$dir/admin.kubeconfig
components=(etcd kube-apiserver kube-controller-manager)

# Alive and not a zombie (an exited component waits for init to reap it, a while here).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) } # the state follows the command name
  [ "${stat%% *}" != Z ]
}

running() { [ -f "$dir/$1.pid" ] && alive "$(cat "$dir/$1.pid")"; }

# Returns once the process is gone: a `start` right after must not find it still running (under
# load kube-apiserver's graceful shutdown can outlast the grace, and a KILL is not instant).
stop() { # component [signal]
  local pid
  running "$1" || return 0
  pid=$(cat "$dir/$1.pid")
  [ "$pid" != $$ ] || return 0 # the watchdog itself, taking the cluster down
  kill "-${2:-TERM}" "$pid"
  for _ in $(seq 300); do alive "$pid" || return 0; sleep 0.1; done
  echo "$1 ($pid) still running 30 s after SIG${2:-TERM}; killing it" >&2
  kill -KILL "$pid"
  for _ in $(seq 100); do alive "$pid" || return 0; sleep 0.1; done
  echo "$1 ($pid) survived SIGKILL for 10 s" >&2
  return 1
}

kill_all() {
  local name
  # The data goes with them, so nothing needs a graceful shutdown (kube-apiserver's takes 15 s).
  for name in watchdog kube-controller-manager kube-apiserver etcd; do
    stop "$name" KILL || true
  done
}

down() {
  kill_all
  # Only a directory that `up` made: --dir may have been mistyped.
  if [ -f "$dir/.layercache-cluster" ]; then
    rm -rf "$dir"
  elif [ -e "$dir" ]; then
    echo "not removing $dir: it was not made by $0 up" >&2
  fi
}

# A port nothing listens on now, below the kernel's ephemeral range (a port that an outgoing
# connection holds cannot be bound either). A component that loses a race for it fails loudly.
free_port() { # variable to set
  local low port
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  while :; do
    port=$((10000 + RANDOM % (low - 10000)))
    [[ " ${taken[*]} " == *" $port "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      taken+=("$port")
      printf -v "$1" %s "$port"
      return
    fi
  done
}
taken=()

certificates() {
  local pki=$dir/pki
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=layercache-local-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  # name, subject, extensions
  issue() {
    openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
      -days 30 -extfile <(printf '%s\n' "$3") -out "$pki/$1.crt" 2>/dev/null
  }
  issue apiserver "/CN=kube-apiserver" \
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth"
  issue admin "/O=system:masters/CN=layercache-admin" "extendedKeyUsage=clientAuth"
  # ServiceAccount tokens: kube-apiserver signs (TokenRequest) and verifies with this pair.
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

write_kubeconfig() {
  local pki=$dir/pki
  cat >"$kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: local
    cluster:
      server: https://127.0.0.1:$1
      certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
  - name: admin
    user:
      client-certificate-data: $(base64 -w0 "$pki/admin.crt")
      client-key-data: $(base64 -w0 "$pki/admin.key")
contexts:
  - name: local
    context: {cluster: local, user: admin}
current-context: local
EOF
}

# Starts a component in the background; its arguments are kept for `start COMPONENT`.
start() {
  local name=$1
  shift
  printf '%s\n' "$@" >"$dir/$name.args"
  setsid "$bin/$name" "$@" >>"$dir/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid"
  disown # no job notice from this shell when it is stopped
}

wait_ready() {
  case $1 in
    etcd) ;; # kube-apiserver waits for it
    kube-apiserver)
      wait_for "kube-apiserver /readyz" 120 \
        "$bin/kubectl" --kubeconfig "$kubeconfig" get --raw /readyz ;;
    kube-controller-manager)
      # Its namespace and token controllers make the `default` ServiceAccount in every namespace.
      wait_for "kube-controller-manager (ServiceAccount default/default)" 60 \
        "$bin/kubectl" --kubeconfig "$kubeconfig" -n default get serviceaccount default ;;
  esac
}

start_again() {
  [ -f "$dir/$1.args" ] || { echo "no $1 started by up in $dir" >&2; exit 1; }
  if running "$1"; then
    echo "$1 is running" >&2
    return
  fi
  local args
  mapfile -t args <"$dir/$1.args"
  start "$1" "${args[@]}"
  wait_ready "$1"
}

wait_for() { # what, seconds, command...
  local what=$1 seconds=$2 name
  shift 2
  for _ in $(seq $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    for name in "${components[@]}"; do
      if [ -f "$dir/$name.pid" ] && ! running "$name"; then
        echo "$name exited while waiting for $what; last lines of $dir/logs/$name.log:" >&2
        tail -n 20 "$dir/logs/$name.log" >&2
        return 1
      fi
    done
    sleep 0.2
  done
  echo "timed out after ${seconds}s waiting for $what; logs in $dir/logs/" >&2
  return 1
}

# etcd and kube-apiserver on free ports, until kube-apiserver is ready.
start_etcd_and_apiserver() {
  local etcd_port peer_port api_port pki=$dir/pki
  free_port etcd_port
  free_port peer_port
  free_port api_port
  write_kubeconfig "$api_port"

  start etcd --name local --data-dir "$dir/etcd" --unsafe-no-fsync \
    --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "local=http://127.0.0.1:$peer_port"

  start kube-apiserver --advertise-address 127.0.0.1 --bind-address 127.0.0.1 \
    --secure-port "$api_port" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/24 --allow-privileged=true
  wait_ready kube-apiserver
}

up() {
  if running kube-apiserver; then
    echo "already up in $dir" >&2
    echo "export KUBECONFIG=$kubeconfig"
    return
  fi
  [ ! -e "$dir" ] || down # leftovers of a cluster that died
  "$here/test-binaries.sh" etcd kube-apiserver kube-controller-manager kubectl >&2
  mkdir -p "$dir/logs"
  touch "$dir/.layercache-cluster"
  certificates
  # On any failure below: stop what started, keep the logs (the next `up` removes them).
  trap 'kill_all; echo "up failed; logs in $dir/logs" >&2' EXIT
  local attempt pki=$dir/pki
  for attempt in 1 2 3; do
    start_etcd_and_apiserver && break
    kill_all
    rm -rf "$dir/etcd"
    # Another process may have bound a port between free_port and the bind: try new ones.
    grep -qs 'address already in use' "$dir"/logs/{etcd,kube-apiserver}.log && [ "$attempt" -lt 3 ] ||
      exit 1
    echo "a port was taken meanwhile; trying others" >&2
  done

  start kube-controller-manager --kubeconfig "$kubeconfig" --leader-elect=false \
    --secure-port 0 --root-ca-file "$pki/ca.crt" \
    --service-account-private-key-file "$pki/sa.key" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key"
  wait_ready kube-controller-manager

  trap - EXIT
  if [ -n "$owner" ]; then
    # Takes the cluster down once its owner is gone, even when the owner was killed.
    setsid bash -c 'while [ -e "/proc/$1" ]; do sleep 1; done; exec "$2" down --dir "$3"' \
      watchdog "$owner" "$here/local-cluster.sh" "$dir" >/dev/null 2>&1 </dev/null &
    echo $! >"$dir/watchdog.pid"
  fi
  echo "up: kube-apiserver $(sed -n 's/^ *server: //p' "$kubeconfig"); logs in $dir/logs" >&2
  echo "export KUBECONFIG=$kubeconfig"
}

case $command in
  up) up ;;
  down) down ;;
  stop | start)
    case " ${components[*]} " in *" $component "*) ;; *) usage ;; esac
    if [ "$command" = stop ]; then stop "$component"; else start_again "$component"; fi ;;
  *) usage ;;
esac
