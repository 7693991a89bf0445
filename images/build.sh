#!/usr/bin/env bash
# Builds the two local images the lab and Molecule use, only when their recipe
# changed: the recipe's hash is stored as an image label and compared.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
base=localhost/v6only-base:bookworm
node=localhost/v6only-node:bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

label() { podman image inspect --format '{{ index .Labels "v6only.recipe" }}' "$1" 2>/dev/null || true; }

base_hash=$(sha256sum "$here/build.sh" | cut -c1-16)
if [ "$(label "$base")" != "$base_hash" ]; then
  echo "image: building $base (debootstrap, about a minute)"
  root=$(mktemp -d /var/tmp/v6only-rootfs.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase \
    --include=python3,iproute2,systemd,systemd-sysv,procps,dbus \
    bookworm "$root" "$mirror" >/dev/null
  # Containers have no console to log in on; getty only spams the journal.
  rm -f "$root"/etc/systemd/system/getty.target.wants/*
  tar -C "$root" -c . | podman import \
    --change 'CMD ["/sbin/init"]' --change 'STOPSIGNAL SIGRTMIN+3' \
    --change "LABEL v6only.recipe=$base_hash" - "$base" >/dev/null
  rm -rf "$root"; trap - EXIT
else
  echo "image: $base is up to date"
fi

node_hash=$( (cat "$here/build.sh" "$here/packages.txt" "$here/Containerfile") | sha256sum | cut -c1-16)
if [ "$(label "$node")" != "$node_hash" ]; then
  echo "image: building $node (Debian packages, a few minutes)"
  podman build --quiet --label "v6only.recipe=$node_hash" \
    --build-arg "PACKAGES=$(grep -v '^#' "$here/packages.txt" | xargs)" \
    -t "$node" -f "$here/Containerfile" "$here" >/dev/null
else
  echo "image: $node is up to date"
fi
