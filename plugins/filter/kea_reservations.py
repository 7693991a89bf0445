# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter kea_reservations: Kea DHCPv6 host reservations of one LAN from the customer model."""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._dhcpv6_reservations import kea_reservations as _kea_reservations

DOCUMENTATION = r"""
name: kea_reservations
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Kea DHCPv6 host reservations of one LAN
description:
  - Selects the VMs of the customer model whose address lies inside O(prefix) and that carry a DUID or a MAC,
    and returns one Kea reservation per identity (DUID first, the MAC as a fallback), all for the VM's address.
  - VMs outside O(prefix) live on another LAN and are left out; O(extra) reservations outside it are an error.
  - Fails, naming customer and VM, on a DUID, MAC or address reserved twice, or a malformed identity.
positional: prefix, extra
options:
  _input:
    description: The model's VMs (C(v6only_gateway_model.vms)), each with customer, name, ipv6, duid and mac.
    type: list
    elements: dict
    required: true
  prefix:
    description: The LAN's IPv6 prefix.
    type: str
    required: true
  extra:
    description: Reservations for hosts that are not customer VMs, each with name, ipv6 and duid and/or mac.
    type: list
    elements: dict
    default: []
"""

EXAMPLES = r"""
- name: Reservations of the LAN 2001:db8:108::/64
  ansible.builtin.debug:
    msg: "{{ [{'customer': 'alice', 'name': 'web', 'ipv6': '2001:db8:108::10', 'duid': '00:03:00:01:02:00:00:00:01:10', 'mac': none}]
             | v6only.gateway.kea_reservations('2001:db8:108::/64') }}"
  # => [{'duid': '00:03:00:01:02:00:00:00:01:10', 'ip-addresses': ['2001:db8:108::10'], 'hostname': 'web'}]
"""

RETURN = r"""
_value:
  description: Kea C(reservations) entries, sorted by address, each with one of duid or hw-address, ip-addresses and hostname.
  type: list
  elements: dict
"""


def kea_reservations(vms, prefix, extra=None):
    try:
        return _kea_reservations(vms, prefix, extra or ())
    except ValueError as error:
        raise AnsibleFilterError(f"kea_reservations: {error}") from error


class FilterModule:
    def filters(self):
        return {"kea_reservations": kea_reservations}
