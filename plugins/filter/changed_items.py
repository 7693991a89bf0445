# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter changed_items: the items of a registered loop whose result changed."""

from ansible_collections.v6only.gateway.plugins.plugin_utils._filter_errors import reporting

DOCUMENTATION = r"""
name: changed_items
author: v6only.gateway developers (@v6only)
version_added: 0.2.0
short_description: The loop items whose task result changed
description:
  - Takes a registered loop result and returns the C(item) of each result that changed, in loop order.
  - Roles use it in C(--check), where a candidate file is not written, to predict that installing it
    changes exactly what rendering it would.
options:
  _input:
    description: A registered loop result (a mapping with C(results)); a skipped task gives an empty list.
    type: dict
    required: true
  attribute:
    description: Take this key of each item (e.g. C(key) of a C(dict2items) item) instead of the item.
    type: str
"""

EXAMPLES = r"""
- name: Maps whose render changed
  ansible.builtin.debug:
    msg: "{{ __rendered_maps | v6only.gateway.changed_items('key') }}"
  # => ['host_198.51.100.20_80.map'] when only that map's render changed
"""

RETURN = r"""
_value:
  description: The changed items (or their O(attribute)).
  type: list
"""


def _changed_items(registered, attribute=None):
    items = [result["item"] for result in registered.get("results", []) if result.get("changed")]
    return [item[attribute] for item in items] if attribute else items


changed_items = reporting("changed_items", _changed_items)


class FilterModule:
    def filters(self):
        return {"changed_items": changed_items}
