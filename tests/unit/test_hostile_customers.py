"""The catalogue of hostile customer files (tests/unit/hostile/*.yml).

Each case is one customer file, `customers/mallory.yml`, written beside the
lab's real customers and read by the same loader the `customer_files` lookup
uses, then validated with the lab's settings and registry. The case lists the
complete set of errors the model must report: every one names the customer,
the field and the fix, and nothing else may slip through.
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import pytest
import yaml

from ansible_collections.v6only.gateway.plugins.module_utils._customer_model import analyse
from ansible_collections.v6only.gateway.plugins.plugin_utils._customer_files import load_customer_files

HERE = Path(__file__).resolve().parent
LAB = HERE.parents[1] / "inventories" / "lab"
CASE_KEYS = {"id", "why", "file", "pad_bytes", "registry", "leases", "settings", "extra_files", "errors"}
MALLORY_GRANT = {"domains": ["mallory.example"], "prefixes": ["2001:db8:100:d::/64"]}
# Errors are one line each, start with their scope and end with the fix.
ERROR_SHAPE = re.compile(r"^(customer '[^'\n]+'(, vm '[^'\n]+')?|settings 'v6only_gateway'|lease \d+|"
                         r"registry 'v6only_gateway_registry'(, customer '[^'\n]+')?|customers), "
                         r"field '[^'\n]+': [^\n]+\. Fix: [^\n]+\.$")
# No error line may carry a hostile value at length (tests/unit/hostile/parsing.yml).
MAX_ERROR_LENGTH = 600


def _lab_settings():
    return yaml.safe_load((LAB / "group_vars/all/v6only_gateway.yml").read_text())["v6only_gateway"]


def _lab_registry():
    path = LAB / "group_vars/all/registry.yml"
    return yaml.safe_load(path.read_text())["v6only_gateway_registry"] if path.exists() else None


def cases():
    seen = set()
    for path in sorted((HERE / "hostile").glob("*.yml")):
        for case in yaml.safe_load(path.read_text()) or []:
            assert set(case) <= CASE_KEYS, (path.name, sorted(set(case) - CASE_KEYS))
            assert case["id"] not in seen, "duplicate case id " + case["id"]
            seen.add(case["id"])
            yield pytest.param(case, id="{0}:{1}".format(path.stem, case["id"]))


def _registry(case):
    registry = copy.deepcopy(_lab_registry())
    if registry is None:
        return None
    grants = registry.setdefault("customers", {})
    grants["mallory"] = copy.deepcopy(MALLORY_GRANT)
    if "registry" in case:
        if case["registry"] is None:
            del grants["mallory"]
        else:
            grants["mallory"] = case["registry"]
    return registry


def _analyse(case, directory):
    shutil.copytree(LAB / "customers", directory)
    # pad_bytes: a comment line of that many `#` after the file, for an oversized file without a huge case.
    files = dict(case.get("extra_files") or {}, mallory=case["file"] + "#" * case.get("pad_bytes", 0))
    for name, text in files.items():
        (directory / (name + ".yml")).write_text(text, encoding="utf-8")
    settings = dict(_lab_settings(), **(case.get("settings") or {}))
    leases = (case.get("leases") or {}).get("leases")
    return analyse(load_customer_files(str(directory)), settings, leases, _registry(case))


@pytest.mark.parametrize("case", list(cases()))
def test_hostile_customer_file_is_refused_with_exact_errors(case, tmp_path):
    result = _analyse(case, tmp_path / "customers")
    assert result["errors"] == case["errors"], case["why"]
    for error in result["errors"]:
        assert ERROR_SHAPE.match(error), error
        assert len(error) <= MAX_ERROR_LENGTH, error[:200]
    assert (result["model"] is None) == bool(case["errors"])


def test_catalogue_covers_every_category_with_thirty_cases():
    files = {p.stem for p in (HERE / "hostile").glob("*.yml")}
    expected = {"grants", "names", "prefixes", "quotas", "parsing", "leases"}
    present = list(cases())
    assert expected <= files, sorted(expected - files)
    assert len(present) >= 30, len(present)
