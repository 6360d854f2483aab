#!/usr/bin/env bash
# Runs every test: unit tests, real-registry tests and (as root) real-kernel tests.
# Installs what the tests need from Debian when it is missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
command -v docker-registry >/dev/null || need_pkgs+=(docker-registry)
command -v htpasswd >/dev/null || need_pkgs+=(apache2-utils)
command -v openssl >/dev/null || need_pkgs+=(openssl)
command -v umoci >/dev/null && command -v skopeo >/dev/null || need_pkgs+=(umoci skopeo)
command -v promtool >/dev/null || need_pkgs+=(prometheus) # promtool checks deploy/monitoring's PromQL
# containerd's snapshotter tests: Debian's containerd and runc; gcc builds their static test program.
[ -x /usr/bin/containerd ] && [ -x /usr/sbin/runc ] || need_pkgs+=(containerd runc)
[ -x /usr/bin/gcc ] && [ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need_pkgs+=(gcc libc6-dev)
# The gzip decoder's igzip path (IgzipInputStream): Debian's ISA-L.
ldconfig -p | grep -q 'libisal\.so\.2 ' || need_pkgs+=(libisal2)
# The local node (scripts/local-node.sh): its one CNI configuration is the loopback plugin.
[ -x /usr/lib/cni/loopback ] || need_pkgs+=(containernetworking-plugins)
# The Java base image of the operator and agent images (scripts/java-base-image.sh).
command -v debootstrap >/dev/null || need_pkgs+=(debootstrap)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing test dependencies: ${need_pkgs[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    echo "missing ${need_pkgs[*]}: tests that need them skip (or fail when CI=true); install as root" >&2
  fi
fi

# The real Kubernetes binaries the cluster tests run (built from Go modules; slow only the first time).
if ! ./scripts/test-binaries.sh; then
  [ "${CI:-}" != true ] || exit 1
  echo "Kubernetes binaries not built: the tests that need a control plane skip" >&2
fi

# The operator and agent images (jib, no Docker) on a Java base image made from Debian's packages
# (cached like the binaries; minutes only the first time); DeployE2E runs them on the local node.
image_args=()
if base_image=$(./scripts/java-base-image.sh); then
  image_args=(-Pimage "-Djib.from.image=tar://$base_image")
else
  [ "${CI:-}" != true ] || exit 1
  echo "Java base image not built: the images are not built and DeployE2E skips" >&2
fi

./mvnw -B -ntp verify "${image_args[@]}" "$@"

# Fuzzing (docs/fuzzing.md): each @FuzzTest in its own JVM for FuzzBudget.CI (6 s), two JVMs at a
# time; findings fail the run. Every target: the parsers, the unpacker, and each service the node
# daemon serves (containerd's snapshotter, CSI, the CLI's local API).
# Jazzer writes a finding into the target's Inputs directory, which a clean clone then drops:
# print each one, so the CI log alone is enough to recreate it and run it as a regression test.
fuzz_started=$(mktemp)
trap 'rm -f "$fuzz_started"' EXIT
if ! ./mvnw -B -ntp -Pfuzz -pl oci,node-agent -am test -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtest='ImageReferenceFuzzTest,ManifestFuzzTest,AuthChallengeFuzzTest,DockerConfigFuzzTest,LayerUnpackerFuzzTest,LayerDecodeFuzzTest,ManifestsFuzzTest,SnapshotsServiceFuzzTest,NodeServiceFuzzTest,LocalApiFuzzTest'; then
  findings=$(find oci node-agent -path '*/target' -prune -o -name 'crash-*' -newer "$fuzz_started" -print)
  echo "the fuzz step failed; inputs it found: ${findings:-none (see the test output above)}" >&2
  for finding in $findings; do
    echo "recreate $finding ($(wc -c <"$finding") bytes) with:" >&2
    echo "  echo '$(base64 -w0 "$finding")' | base64 -d > $finding" >&2
  done
  [ -z "$findings" ] || echo "the normal suite runs each as a regression test (docs/fuzzing.md)" >&2
  exit 1
fi

# The README's first command goes through the launcher: check that it starts the built CLI.
./layercache --version
