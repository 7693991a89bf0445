#!/usr/bin/env python3
"""Fail when a role's defaults/main.yml and meta/argument_specs.yml list different keys.

The defaults are the documentation (DebOps) and argument_specs is the contract
ansible-core enforces; a key in one but not the other means one of them lies.
"""
import pathlib
import sys

import yaml

root = pathlib.Path(__file__).resolve().parent.parent
problems = []
for role in sorted((root / "roles").iterdir()):
    if not role.is_dir():
        continue
    spec_file = role / "meta" / "argument_specs.yml"
    if not spec_file.exists():
        problems.append(f"{role.name}: meta/argument_specs.yml is missing")
        continue
    defaults_file = role / "defaults" / "main.yml"
    defaults = set((yaml.safe_load(defaults_file.read_text()) or {}) if defaults_file.exists() else {})
    spec = yaml.safe_load(spec_file.read_text()) or {}
    options = ((spec.get("argument_specs") or {}).get("main") or {}).get("options") or {}
    required = {name for name, opt in options.items() if (opt or {}).get("required")}
    options = set(options)
    for key in sorted(defaults - options):
        problems.append(f"{role.name}: '{key}' is in defaults/main.yml but not in meta/argument_specs.yml")
    for key in sorted(options - defaults - required):
        problems.append(f"{role.name}: '{key}' is in meta/argument_specs.yml but has no default in defaults/main.yml")
for line in problems:
    print(line)
sys.exit(1 if problems else 0)
