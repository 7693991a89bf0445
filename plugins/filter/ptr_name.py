# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ptr_name: the reverse DNS name of an address, or the reverse zone of a prefix."""

from ansible_collections.v6only.gateway.plugins.module_utils import _addresses
from ansible_collections.v6only.gateway.plugins.plugin_utils._filter_errors import reporting

DOCUMENTATION = r"""
name: ptr_name
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Reverse DNS name of an address or reverse zone of a prefix
description:
  - For an address, returns its PTR owner name in C(ip6.arpa) nibble form or C(in-addr.arpa) form.
  - For a prefix, returns the name of its reverse zone. An IPv6 prefix length must be a multiple of 4
    and an IPv4 prefix length a multiple of 8, because reverse zones are cut on label boundaries.
  - The result is absolute, with a trailing dot, as zone files expect.
options:
  _input:
    description: An IPv4 or IPv6 address, or a prefix with no host bits set.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: PTR owner of a VM address
  ansible.builtin.debug:
    msg: "{{ '2001:db8::1' | v6only.gateway.ptr_name }}"
  # => '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.'

- name: Reverse zone of a customer prefix
  ansible.builtin.debug:
    msg: "{{ '2001:db8:100::/48' | v6only.gateway.ptr_name }}"
  # => '0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.'

- name: IPv4 works too
  ansible.builtin.debug:
    msg: "{{ '198.51.100.20' | v6only.gateway.ptr_name }}"
  # => '20.100.51.198.in-addr.arpa.'
"""

RETURN = r"""
_value:
  description: The reverse DNS name, ending in a dot.
  type: str
"""


ptr_name = reporting("ptr_name", _addresses.ptr_name)


class FilterModule:
    def filters(self):
        return {"ptr_name": ptr_name}
