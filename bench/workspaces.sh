#!/usr/bin/env bash
# Workspace benchmark (issue 4): create+mount and unmount+remove latency at 1, 100 and 1000
# workspaces sharing one cached image, measured inside one JVM, and the heap with 1000 mounted.
# Needs root and a registry holding the image (default: the harness registry on 127.0.0.1:5000).
#   sudo bench/workspaces.sh [ROOT] [IMAGE]
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-/var/tmp/layercache-bench-ws}
image=${2:-127.0.0.1:5000/harness/python-app:1.0}
./mvnw -q -B -o -pl node-agent -am test-compile -Dspotless.check.skip=true
cp=node-agent/target/classes:node-agent/target/test-classes:$(ls node-agent/target/lib/*.jar | tr '\n' ':')
[ -d node-agent/target/lib ] || ./mvnw -q -B -o -pl node-agent -am package -DskipTests -Dspotless.check.skip=true
exec java -Xmx256m ${BENCH_JAVA_OPTS:-} -cp "$cp" dev.layercache.agent.workspace.WorkspaceBenchmark "$root" "$image"
