#!/usr/bin/env bash
# The long fuzzing run (docs/fuzzing.md): each @FuzzTest for MINUTES (default 60) with Jazzer's
# own driver, growing MODULE/.cifuzz-corpus/CLASS/METHOD from the committed seeds. A finding stops
# that target (the others still run; the script then fails) and is written as
# MODULE/.cifuzz-findings/crash-*: minimise it, fix the code, and commit it under
# src/test/resources/.../CLASSInputs/METHOD/ so the normal suite runs it.
# Usage: bench/fuzz.sh [MINUTES] [CLASS...]   (as root: the unpacker target needs it)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-60}
shift || true
targets=(
  oci:dev.layercache.oci.ImageReferenceFuzzTest:parse
  oci:dev.layercache.oci.ManifestFuzzTest:parse
  oci:dev.layercache.oci.AuthChallengeFuzzTest:challengeAndToken
  oci:dev.layercache.oci.DockerConfigFuzzTest:parse
  node-agent:dev.layercache.agent.unpack.LayerUnpackerFuzzTest:unpack
  node-agent:dev.layercache.agent.unpack.LayerDecodeFuzzTest:decode
  node-agent:dev.layercache.agent.cli.ManifestsFuzzTest:read
  node-agent:dev.layercache.agent.snapshot.SnapshotsServiceFuzzTest:requests
  node-agent:dev.layercache.agent.csi.NodeServiceFuzzTest:requests
  node-agent:dev.layercache.agent.daemon.LocalApiFuzzTest:request
)
root=$(pwd)
found=()
./mvnw -B -ntp -q -pl oci,node-agent -am test-compile
./mvnw -B -ntp -q -pl oci,node-agent -am dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/fuzz-classpath.txt >/dev/null
for target in "${targets[@]}"; do
  IFS=: read -r module class method <<<"$target"
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "${class##*.}"; then
    continue
  fi
  package_dir=$(dirname "${class//.//}")
  inputs="src/test/resources/$package_dir/${class##*.}Inputs/$method"
  corpus=".cifuzz-corpus/$class/$method"
  # This checkout's classes first, before the layercache jars installed in ~/.m2 (which another
  # checkout's install may have replaced). Jazzer's driver instruments only the target's own
  # package tree unless told: the node-agent targets would fuzz the crds and oci code they call
  # (SpecValidator, the reference parser) blind.
  cp="$root/$module/target/test-classes:$root/$module/target/classes"
  cp="$cp:$root/oci/target/test-classes:$root/oci/target/classes"
  cp="$cp:$root/kube/target/test-classes:$root/kube/target/classes:$root/crds/target/classes"
  cp="$cp:$(cat "$root/$module/target/fuzz-classpath.txt")"
  echo "== $class#$method for $minutes min ($module/$corpus)"
  if ! (cd "$module" && mkdir -p "$corpus" .cifuzz-findings &&
    java -cp "$cp" com.code_intelligence.jazzer.Jazzer \
      --target_class="$class" --target_method="$method" \
      --instrumentation_includes='dev.layercache.**' --custom_hook_includes='dev.layercache.**' \
      -max_total_time=$((minutes * 60)) -artifact_prefix=.cifuzz-findings/ "$corpus" "$inputs"); then
    found+=("$class#$method")
  fi
done
if [ ${#found[@]} -gt 0 ]; then
  echo "findings in: ${found[*]} (see MODULE/.cifuzz-findings/)" >&2
  exit 1
fi
