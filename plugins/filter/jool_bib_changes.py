# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter jool_bib_changes: the static BIB entries Jool must add or remove."""

from ansible_collections.v6only.gateway.plugins.module_utils._nat64_policy import bib_changes

DOCUMENTATION = r"""
name: jool_bib_changes
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: The `jool bib add/remove` commands that bring Jool's static BIB to what is wanted
description:
  - Jool reads C(bib) from its file only when an instance is created, so static entries are kept with
    runtime commands; this compares the wanted entries with what C(jool bib display --csv --numeric) shows.
options:
  _input:
    description: The wanted entries, C(jool_nat64_bib) (C({protocol, ipv6, ipv4, state})).
    type: list
    elements: dict
    required: true
  shown:
    description: The registered results of C(jool bib display) looped over protocols (C(item) is the protocol).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
# Jool already holds the entry for port 25; the one for port 26 is missing.
- name: Keep Jool's static BIB
  ansible.builtin.command:
    argv: [jool, bib, "{{ item.action }}", "--{{ item.protocol | lower }}", "{{ item.ipv6 }}", "{{ item.ipv4 }}"]
  loop: "{{ jool_nat64_bib | v6only.gateway.jool_bib_changes(bib_display.results) }}"
  # item => {'action': 'add', 'protocol': 'TCP', 'ipv6': '2001:db8:100:a::10#26', 'ipv4': '198.51.100.40#26'}
"""

RETURN = r"""
_value:
  description: C({action, protocol, ipv6, ipv4}), C(action) being add or remove.
  type: list
  elements: dict
"""


def jool_bib_changes(wanted, shown):
    return bib_changes(wanted, {result["item"]: result.get("stdout", "") for result in shown})


class FilterModule:
    def filters(self):
        return {"jool_bib_changes": jool_bib_changes}
