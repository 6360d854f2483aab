#!/usr/bin/env bash
# The Java base image the operator and agent images are built on (jib's `from`), made from Debian's
# own packages: debootstrap (minbase) of the machine's Debian suite with openjdk-17-jre-headless,
# turned into an OCI image with umoci and written as a docker-archive by skopeo. No registry but Debian's
# mirror (the one apt uses) is needed, and no Docker.
#
#   scripts/java-base-image.sh            build if missing; print the archive's path
#   scripts/java-base-image.sh --rebuild  build again
#
# The archive is cached outside the clone, like the Go binaries (it takes minutes to make):
# $LAYERCACHE_TOOLS/images/java17-debian-SUITE-KEY.tar, KEY naming the package list, so a changed
# list builds anew. Needs root (debootstrap), debootstrap, umoci, skopeo.
set -euo pipefail

SUITE=bookworm
# libisal2: the agent inflates gzip layers with ISA-L's igzip (docs/unpacking.md).
# libssl3: its libcrypto computes the digests (docs/cli.md).
PACKAGES=openjdk-17-jre-headless,ca-certificates,libisal2,libssl3
TOOLS=${LAYERCACHE_TOOLS:-$HOME/.cache/layercache/tools}
archive=$TOOLS/images/java17-debian-$SUITE-$(printf %s "$PACKAGES" | sha256sum | cut -c1-8).tar
IMAGE_NAME=layercache/java-base:17-$SUITE

if [ "${1:-}" != --rebuild ] && [ -s "$archive" ]; then
  echo "$archive"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "$0: debootstrap needs root" >&2; exit 1; }
for tool in debootstrap umoci skopeo; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done
# The mirror apt already uses (deb822 sources or the classic list).
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || { echo "$0: no Debian mirror found in apt's sources" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/layercache-base-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$SECONDS
echo "debootstrap $SUITE ($PACKAGES) from $mirror" >&2
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
# What an image does not need: package caches, logs, docs and the machine's identity.
rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/* \
  "$work"/rootfs/var/log/* "$work"/rootfs/usr/share/doc/* "$work"/rootfs/usr/share/man/* \
  "$work"/rootfs/etc/machine-id
java=$(cd "$work/rootfs" && ls -d usr/lib/jvm/java-17-openjdk-*/bin/java | head -n1)
[ -n "$java" ] || { echo "$0: no java in the debootstrapped tree" >&2; exit 1; }
"$work/rootfs/$java" -version 2>/dev/null || true # only checks the file is there, runs on the host libc

umoci init --layout "$work/oci"
umoci new --image "$work/oci:base"
umoci unpack --image "$work/oci:base" "$work/bundle" >/dev/null
rm -rf "$work/bundle/rootfs"
mv "$work/rootfs" "$work/bundle/rootfs"
umoci repack --image "$work/oci:base" "$work/bundle"
umoci config --image "$work/oci:base" --os linux --architecture amd64 \
  --config.env "PATH=/${java%/java}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --config.env "JAVA_HOME=/${java%/bin/java}" --config.env LANG=C.UTF-8 \
  --author "layercache scripts/java-base-image.sh" --history.created_by "debootstrap $SUITE $PACKAGES"
umoci gc --layout "$work/oci"
mkdir -p "$(dirname "$archive")"
# A docker-archive (`docker save`'s format), which jib reads as a `tar://` base image.
skopeo copy -q "oci:$work/oci:base" "docker-archive:$archive.tmp:$IMAGE_NAME"
mv "$archive.tmp" "$archive"
echo "built $archive ($(du -h "$archive" | cut -f1)) in $((SECONDS - start))s" >&2
echo "$archive"
