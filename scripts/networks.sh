#!/usr/bin/env bash
# Creates or removes the podman networks listed in a file, one per line:
#   NAME  IPV4-SUBNET|-  IPV6-SUBNET|-  [internal]  [# comment]
# `internal` makes a network without podman's masquerade: through the host's
# br_netfilter, that masquerade rewrites bridged packets a container routes via
# another container (a NAT64 or VPN gateway) to the bridge's own address.
# IPv4 stays inside 198.51.100.0/24 and IPv6 inside 2001:db8::/32 (the lab rule).
set -euo pipefail
action=$1 file=$2
[ -f "$file" ] || exit 0
grep -vE '^\s*(#|$)' "$file" | while read -r name v4 v6 opt _; do
  case $action in
    create)
      podman network exists "$name" && continue
      args=()
      [ "$v4" != - ] && args+=(--subnet "$v4")
      [ "$v6" != - ] && args+=(--subnet "$v6")  # no --ipv6: with it podman adds an IPv4 subnet too
      [ "$opt" = internal ] && args+=(--internal)
      podman network create "${args[@]}" "$name" >/dev/null
      echo "network: created $name ($v4 $v6)" ;;
    remove)
      podman network exists "$name" && podman network rm -f "$name" >/dev/null && echo "network: removed $name" ;;
  esac
done
true
