#!/usr/bin/env bash
# Scale benchmark (issue 10): the real control plane, the real operator as its own JVM, N node
# agents in one JVM (each its own pod-bound identity, NodeCache watch and store; mounts stubbed),
# 20 LayerCaches and W OverlayWorkspaces. Prints time to Ready, operator heap and CPU, and the API
# server's requests per second at steady state by verb and resource (e2e ScaleBenchmark).
# Run as root like the other benches (the stores unpack layers with their owners); needs
# the control-plane binaries (scripts/test-binaries.sh) and Debian's docker-registry.
#   bench/scale.sh [NODES] [WORKSPACES]      (default: 10 1000)
# BENCH_OPERATOR_JAVA_OPTS adds options to the operator JVM (e.g. a flight recording).
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-10}
workspaces=${2:-1000}
work=$(mktemp -d /var/tmp/layercache-scale-XXXXXX)
trap 'rm -rf "$work"' EXIT
# Compile, and write each module's classpath (reactor modules as their target/ directories).
./mvnw -q -B -o -pl e2e -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/scale.classpath -Dmdep.includeScope=test -Dspotless.check.skip=true
operator_cp=operator/target/classes:$(cat operator/target/scale.classpath)
bench_cp=e2e/target/test-classes:$(cat e2e/target/scale.classpath)
git log -1 --format='commit %H (%cd)' --date=iso-strict
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); $(java -version 2>&1 | head -1)"
java -Xmx4g ${BENCH_JAVA_OPTS:-} -cp "$bench_cp" dev.layercache.e2e.scale.ScaleBenchmark \
  "$nodes" "$workspaces" "$operator_cp" "$work"
