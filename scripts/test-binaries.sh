#!/usr/bin/env bash
# Builds the real Kubernetes binaries that the tests and scripts/local-cluster.sh run, from the
# projects' own Go modules (the only toolchain this needs is Go; nothing prebuilt is downloaded).
#
#   scripts/test-binaries.sh              build every binary that is missing
#   scripts/test-binaries.sh crictl etcd  build only these (names as listed in ALL below)
#   scripts/test-binaries.sh --print-dir  print the control plane directory and exit
#
# Kubernetes binaries land in ~/.kubeapitest/k8s/<version>-linux-amd64/ (the layout fabric8's
# kube-api-test reads, so the same tests download binaries on a laptop and use these here); the
# others, etcd included (linked into that directory), in $LAYERCACHE_TOOLS/<name>-<version>/. Every binary gets a symlink
# $LAYERCACHE_TOOLS/bin/<name> pointing at the pinned build. A binary already built is skipped.
set -euo pipefail

K8S_VERSION=v1.36.3          # k8s.io/kubernetes; its go.mod asks for Go 1.26
ETCD_VERSION=v3.6.16         # go.etcd.io/etcd/server/v3; the 3.6 line is what Kubernetes 1.36 uses
CRICTL_VERSION=v1.37.0       # sigs.k8s.io/cri-tools
CSI_SANITY_VERSION=v5.6.0    # github.com/kubernetes-csi/csi-test/v5
DIVE_VERSION=v0.13.1         # github.com/wagoodman/dive: the oracle of `layercache analyze`
HELM_VERSION=v3.22.0         # helm.sh/helm/v3: lints and renders deploy/helm/layercache
CONTAINERD2_VERSION=v2.4.2   # github.com/containerd/containerd/v2: a snapshotter per runtime handler

CONTROL_PLANE=(etcd kube-apiserver kube-controller-manager kubectl)
ALL=("${CONTROL_PLANE[@]}" kube-scheduler kubelet crictl csi-sanity dive helm containerd2)
# containerd2 is three programs in one directory: containerd, its runc shim and ctr. containerd 2
# finds the shim on PATH, so a caller puts that directory first (bin/containerd2 -> .../containerd).
CONTAINERD2_PROGRAMS=(containerd containerd-shim-runc-v2 ctr)

TOOLS=${LAYERCACHE_TOOLS:-$HOME/.cache/layercache/tools}
K8S_DIR=${KUBEAPITEST_HOME:-$HOME/.kubeapitest}/k8s/${K8S_VERSION#v}-linux-amd64
SRC=$TOOLS/src

if [ "${1:-}" = --print-dir ]; then
  echo "$K8S_DIR"
  exit 0
fi

for go_dir in /usr/local/go/bin "$HOME/go/bin"; do
  case ":$PATH:" in *":$go_dir:"*) ;; *) [ -d "$go_dir" ] && PATH=$PATH:$go_dir ;; esac
done
export CGO_ENABLED=0 GOFLAGS=-mod=mod

target_of() {
  case $1 in
    kube-apiserver | kube-controller-manager | kubectl | kube-scheduler | kubelet)
      echo "$K8S_DIR/$1" ;;
    etcd) echo "$TOOLS/etcd-$ETCD_VERSION/etcd" ;; # and linked into K8S_DIR
    crictl) echo "$TOOLS/crictl-$CRICTL_VERSION/crictl" ;;
    csi-sanity) echo "$TOOLS/csi-sanity-$CSI_SANITY_VERSION/csi-sanity" ;;
    dive) echo "$TOOLS/dive-$DIVE_VERSION/dive" ;;
    helm) echo "$TOOLS/helm-$HELM_VERSION/helm" ;;
    containerd2) echo "$TOOLS/containerd-$CONTAINERD2_VERSION/containerd" ;;
    *) echo "unknown binary '$1'; known: ${ALL[*]}" >&2; return 1 ;;
  esac
}

require_go() {
  if ! command -v go >/dev/null; then
    echo "cannot build $1: Go is not installed (need Go 1.26 or newer on PATH, and the Go" \
      "module proxy reachable). Install Go, or put prebuilt binaries at $(target_of "$1")." >&2
    exit 1
  fi
}

# A module of our own that requires k8s.io/kubernetes. `go install` refuses that module because its
# go.mod replaces every staging module (k8s.io/api, k8s.io/client-go, ...) with a directory of its
# own tree and requires it at v0.0.0; the staging modules are also published as v0.N.x releases, so
# the wrapper replaces each one the downloaded go.mod requires at v0.0.0 with that release.
k8s_module() {
  local dir=$SRC/kubernetes-$K8S_VERSION
  if [ ! -f "$dir/.ready" ]; then
    mkdir -p "$dir"
    local gomod staging=v0${K8S_VERSION#v1}
    gomod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
      sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
    {
      echo "module layercache.dev/test-binaries/kubernetes"
      echo
      sed -n 's/^go \(.*\)$/go \1/p' "$gomod"
      echo
      echo "require k8s.io/kubernetes $K8S_VERSION"
      echo
      awk -v v="$staging" '$2 == "v0.0.0" && $1 ~ /^k8s\.io\// { print "replace " $1 " => " $1 " " v }' "$gomod"
    } >"$dir/go.mod"
    (cd "$dir" && go mod download k8s.io/kubernetes) && touch "$dir/.ready"
  fi
  echo "$dir"
}

k8s_ldflags() {
  local minor=${K8S_VERSION#v1.}
  minor=${minor%%.*}
  local flags="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$BUILD_DATE"
  done
  echo "$flags"
}

# A wrapper module requiring one Go module whose main package we build.
plain_module() {
  local name=$1 module=$2 version=$3 dir=$SRC/$1-$3
  if [ ! -f "$dir/go.mod" ]; then
    mkdir -p "$dir"
    printf 'module layercache.dev/test-binaries/%s\n\ngo 1.26\n\nrequire %s %s\n' \
      "$name" "$module" "$version" >"$dir/go.mod"
  fi
  echo "$dir"
}

build_one() {
  local name=$1 target dir pkg ldflags="-s -w"
  target=$(target_of "$name")
  case $name in
    etcd)
      dir=$(plain_module etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION")
      pkg=go.etcd.io/etcd/server/v3 ;;
    crictl)
      dir=$(plain_module cri-tools sigs.k8s.io/cri-tools "$CRICTL_VERSION")
      pkg=sigs.k8s.io/cri-tools/cmd/crictl
      ldflags+=" -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" ;;
    csi-sanity)
      dir=$(plain_module csi-test github.com/kubernetes-csi/csi-test/v5 "$CSI_SANITY_VERSION")
      pkg=github.com/kubernetes-csi/csi-test/v5/cmd/csi-sanity
      ldflags+=" -X main.VERSION=$CSI_SANITY_VERSION" ;;
    dive)
      dir=$(plain_module dive github.com/wagoodman/dive "$DIVE_VERSION")
      pkg=github.com/wagoodman/dive ;;
    helm)
      dir=$(plain_module helm helm.sh/helm/v3 "$HELM_VERSION")
      pkg=helm.sh/helm/v3/cmd/helm
      ldflags+=" -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
      # The Kubernetes version `helm template` and `helm lint` assume offline: the one we test on.
      local minor=${K8S_VERSION#v1.} var
      for var in lint/rules chartutil; do
        ldflags+=" -X helm.sh/helm/v3/pkg/$var.k8sVersionMajor=1"
        ldflags+=" -X helm.sh/helm/v3/pkg/$var.k8sVersionMinor=${minor%%.*}"
      done ;;
    containerd2)
      dir=$(plain_module containerd github.com/containerd/containerd/v2 "$CONTAINERD2_VERSION")
      ldflags+=" -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD2_VERSION"
      # CGO_ENABLED=0 already leaves out the btrfs snapshotter (cgo); these tags drop the other
      # parts that need C libraries or are not used here.
      local tags=no_btrfs,no_devmapper,no_zfs start=$SECONDS program
      mkdir -p "$(dirname "$target")"
      for program in "${CONTAINERD2_PROGRAMS[@]}"; do
        echo "building containerd2 $program into $(dirname "$target")/$program"
        (cd "$dir" && go build -trimpath -tags "$tags" -ldflags "$ldflags" \
          -o "$(dirname "$target")/$program.tmp" "github.com/containerd/containerd/v2/cmd/$program")
      done
      # containerd itself last: its presence marks the directory complete.
      for program in containerd-shim-runc-v2 ctr containerd; do
        mv "$(dirname "$target")/$program.tmp" "$(dirname "$target")/$program"
      done
      echo "built containerd2 in $((SECONDS - start))s"
      return ;;
    *)
      dir=$(k8s_module)
      pkg=k8s.io/kubernetes/cmd/$name
      ldflags=$(k8s_ldflags) ;;
  esac
  mkdir -p "$(dirname "$target")"
  echo "building $name ($pkg) into $target"
  local start=$SECONDS
  (cd "$dir" && go build -trimpath -ldflags "$ldflags" -o "$target.tmp" "$pkg")
  mv "$target.tmp" "$target"
  echo "built $name in $((SECONDS - start))s"
}

link_one() {
  mkdir -p "$TOOLS/bin"
  ln -sfn "$(target_of "$1")" "$TOOLS/bin/$1"
  if [ "$1" = etcd ]; then
    mkdir -p "$K8S_DIR"
    ln -sfn "$(target_of etcd)" "$K8S_DIR/etcd"
  fi
}

BUILD_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=("${ALL[@]}")
for name in "${wanted[@]}"; do
  target=$(target_of "$name")
  if [ ! -x "$target" ]; then
    require_go "$name"
    build_one "$name"
  fi
  link_one "$name"
done
