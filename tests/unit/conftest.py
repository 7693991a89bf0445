"""The lab inventory's real customer model, for the renderers' contract tests.

Renderer tests take their rows from here, not from hand-built rows, so a change
in the model's output shows up as a failing renderer test.
"""

from pathlib import Path

import pytest
import yaml

from ansible_collections.v6only.gateway.plugins.module_utils._customer_model import build_model
from ansible_collections.v6only.gateway.plugins.plugin_utils._customer_files import load_customer_files

LAB = Path(__file__).resolve().parents[2] / "inventories" / "lab"


def lab_inventory():
    """(customers, settings, leases, registry) as the customer_model role reads them from inventories/lab."""
    settings = yaml.safe_load((LAB / "group_vars/all/v6only_gateway.yml").read_text())["v6only_gateway"]
    registry = yaml.safe_load((LAB / "group_vars/all/registry.yml").read_text())["v6only_gateway_registry"]
    return load_customer_files(str(LAB / "customers")), settings, None, registry


@pytest.fixture(scope="session")
def lab_model():
    return build_model(*lab_inventory())
