# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the IPv4 lease state file: one reader for the module ipv4_lease and the lookup lease_file."""

import os

from ansible_collections.v6only.gateway.plugins.module_utils._lease_store import LeaseError, validate_leases

try:
    import yaml
except ImportError:  # pragma: no cover - ansible-core itself requires PyYAML
    yaml = None


def read_state(path):
    """Return (text, leases); raise LeaseError when the file cannot be trusted."""
    if not os.path.exists(path):
        return "", []
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    unchanged = "It was not changed."
    fix = f"{unchanged} Fix: repair it by hand or restore it from version control (git checkout -- FILE)."
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise LeaseError(f"lease state file {path} is not valid YAML ({error}). {fix}") from None
    if not isinstance(data, dict) or "leases" not in data:
        raise LeaseError(f"lease state file {path} must be a mapping with the key 'leases'. {fix}")
    leases = data["leases"] if data["leases"] is not None else []
    try:
        validate_leases(leases, where=f"lease state file {path}")
    except LeaseError as error:
        # A fault with its own fix (a lease outside the pool) keeps it; one fix per message.
        raise LeaseError(f"{error}. {unchanged if ' Fix: ' in str(error) else fix}") from None
    return text, leases
