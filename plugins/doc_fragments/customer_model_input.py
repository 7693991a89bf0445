# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inputs every customer-model filter takes, documented once."""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  _input:
    description: Customers, as returned by the C(v6only.gateway.customer_files) lookup, or inline mappings that each carry C(name).
    type: list
    elements: dict
    required: true
  settings:
    description: The gateway settings (C(v6only_gateway)); missing keys take the catalogue defaults.
    type: dict
    default: {}
  leases:
    description:
      - The IPv4 leases, each C({address, vm, proto, state}) with state C(active) or C(draining).
      - A C(lend) row listens on the active lease for its (vm, proto), or on null when there is none.
    type: list
    elements: dict
    default: []
  registry:
    description:
      - The provider's registry of grants (C(v6only_gateway_registry)), never part of a customer file.
      - "Keys: C(customers) (each customer's C(domains), C(prefixes), C(verified) and C(quotas)), C(quotas), C(reserved_zones), C(require_verified)."
      - A customer file may only use the domains and prefixes granted to it (see C(docs/customer-model.md), "Registry").
    type: dict
  registry_verified:
    description:
      - The proofs of control that C(scripts/domain-proof check --record) wrote (C(v6only_gateway_registry_verified)), customer name to domains.
      - They add to each customer's C(verified); a recorded domain not (or no longer) granted to that customer is ignored.
    type: dict
    default: {}
"""
