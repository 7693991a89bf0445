"""Every filter file is one filter, documented the same way (ansible.utils' shape)."""

import importlib
import pathlib

import pytest
import yaml

FILTERS = sorted(p.stem for p in (pathlib.Path(__file__).parents[4] / "plugins/filter").glob("[a-z]*.py"))


@pytest.mark.parametrize("name", FILTERS)
def test_each_file_is_one_documented_filter(name):
    module = importlib.import_module(f"ansible_collections.v6only.gateway.plugins.filter.{name}")
    assert list(module.FilterModule().filters()) == [name]
    docs = {part: yaml.safe_load(getattr(module, part)) for part in ("DOCUMENTATION", "EXAMPLES", "RETURN")}
    assert docs["DOCUMENTATION"]["name"] == name
    assert "_input" in docs["DOCUMENTATION"].get("options", {}) or "v6only.gateway." in module.DOCUMENTATION
    assert "_value" in docs["RETURN"]
    assert f"v6only.gateway.{name}" in module.EXAMPLES and "=>" in module.EXAMPLES
