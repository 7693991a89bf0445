"""Stage 4 of the customer model: a VM's WireGuard VPN peers.

Peer n gets the n-th /64 of `vpn_prefix`; the index is declared, so nothing
renumbers. Names, indexes and public keys are unique across the gateway.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Mapping

from ansible_collections.v6only.gateway.plugins.module_utils._addresses import subnet_for
from ansible_collections.v6only.gateway.plugins.module_utils._model_strict import did_you_mean, shown
from ansible_collections.v6only.gateway.plugins.module_utils._model_values import LABEL, is_int, is_list, kind, unknown_keys
from ansible_collections.v6only.gateway.plugins.module_utils._registry import network_granted

PEER_KEYS = ("name", "index", "public_key")


def read_peers(analysis, customer, vm, scope, peers):
    if peers is None:
        peers = []
    if not is_list(peers):
        analysis.error(scope, "vpn_peers", "is {0}, not a list".format(kind(peers)), "list the peers under `vpn_peers:`")
        peers = []
    for i, peer in enumerate(peers):
        _peer(analysis, customer, vm, scope, "vpn_peers[{0}]".format(i), peer)


def _peer(analysis, customer, vm, scope, field, raw):
    if not isinstance(raw, Mapping):
        analysis.error(scope, field, "is {0}, not a mapping".format(kind(raw)), "give each peer name, index and public_key")
        return
    for key in unknown_keys(raw, PEER_KEYS):
        analysis.error(scope, "{0}.{1}".format(field, key), "unknown option", did_you_mean(key, PEER_KEYS))
    # The indexes remember the name as written, even one reported as unusable.
    name = raw.get("name")
    usable = _name(analysis, vm, scope, field, name)
    number, prefix = _index(analysis, scope, field, name, raw.get("index"))
    if prefix is not None and not network_granted(analysis, customer, ipaddress.IPv6Network(prefix), scope, field + ".index",
                                                  "peer index " + str(number) + " gives {0}, which", "use an index whose /64 lies in {0}"):
        prefix = None
    key = _public_key(analysis, scope, field, name, raw.get("public_key"))
    if usable and prefix is not None and key is not None:
        analysis.peers.append({"customer": customer, "vm": vm, "name": name, "index": number, "public_key": key, "prefix": prefix})


def _name(analysis, vm, scope, field, name):
    if not (isinstance(name, str) and LABEL.fullmatch(name)):
        analysis.error(scope, field + ".name", "{0} is not a usable peer name".format(shown(name)), "use lower-case letters, digits and hyphens")
        return False
    return not analysis.taken(analysis.peer_name, name, vm, scope, field + ".name", "peer name {0} is already used by vm '{1}'",
                              "give every peer a unique name")


def _index(analysis, scope, field, name, number):
    """(index, /64 prefix), or (index, None) when the index is unusable (reported)."""
    vpn = analysis.vpn_prefix
    if vpn is None:
        if analysis.vpn_prefix_unset:
            analysis.error(scope, field, "VPN peers need settings vpn_prefix", "set v6only_gateway.vpn_prefix, e.g. 2001:db8:200::/48")
        return number, None
    last = 2 ** (64 - vpn.prefixlen) - 1
    if not (is_int(number) and 1 <= number <= last):
        analysis.error(scope, field + ".index", "{0} is not a peer index".format(shown(number)),
                       "pick an unused number from 1 to {0}; peer n gets the n-th /64 of {1}".format(last, vpn))
        return number, None
    if analysis.taken(analysis.peer_index, number, name, scope, field + ".index", "index {0} is already used by peer '{1}'",
                      "pick an unused index; never renumber an existing peer"):
        return number, None
    return number, subnet_for(str(vpn), number, 64)


def _public_key(analysis, scope, field, name, key):
    decoded = None
    if isinstance(key, str):
        try:
            decoded = base64.b64decode(key, validate=True)
        except (binascii.Error, ValueError):
            decoded = None
    if decoded is None or len(decoded) != 32:
        analysis.error(scope, field + ".public_key", "is not a base64 WireGuard public key (32 bytes)",
                       "paste the output of `wg pubkey`; the customer keeps the private key")
        return None
    if analysis.taken(analysis.peer_key, key, name, scope, field + ".public_key", "the key is already used by peer '{1}'",
                      "give every peer its own key pair"):
        return None
    return key
