# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a role applies from, as one digest: its code, its variables and what its files read besides them."""

import hashlib
import json
import os
import re
import shlex

# Where each host keeps the digest of the inputs each role last applied completely.
MARKER_DIR = "/var/lib/v6only-gateway/applied"

# Files that read variables at run time; defaults too, since they are digested as written.
_READING_DIRS = ("tasks", "templates", "vars", "handlers", "defaults")
_GLOBAL = re.compile(r"\bv6only_gateway_\w+")
_FACT = re.compile(r"\bansible_facts(?:\.|\[\s*['\"])(\w+)|\bansible_(\w+)")


def code_files(*roots):
    """Every file under the roots, sorted, as (root, path) pairs."""
    found = []
    for root in roots:
        for directory, subdirs, files in os.walk(root):
            subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
            found.extend((root, os.path.join(directory, name)) for name in sorted(files))
    return found


def code_digest(files):
    digest = hashlib.sha1()
    for root, path in files:
        digest.update(os.path.relpath(path, root).encode() + b"\0")
        with open(path, "rb") as handle:
            digest.update(handle.read() + b"\0")
    return digest.hexdigest()


def referenced(role_path):
    """(global names, fact names) that the role's tasks, templates, vars and handlers mention."""
    globals_, facts = set(), set()
    for _, path in code_files(*(os.path.join(role_path, d) for d in _READING_DIRS)):
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        globals_.update(_GLOBAL.findall(text))
        facts.update(a or b for a, b in _FACT.findall(text))
    return globals_, facts


def unordered(fact):
    """A fact with its lists of names or addresses sorted: setup lists interfaces in no stable order."""
    if isinstance(fact, dict):
        return {key: unordered(value) for key, value in fact.items()}
    if isinstance(fact, list) and all(isinstance(item, str) for item in fact):
        return sorted(fact)
    if isinstance(fact, list):
        return [unordered(item) for item in fact]
    return fact


def fingerprint(code, values):
    """One digest of the code digest and the values (JSON-able after str() of anything else)."""
    text = json.dumps(values, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha1((code + "\0" + text).encode()).hexdigest()


def read_script(role):
    return f"cat {shlex.quote(MARKER_DIR + '/' + role)} 2>/dev/null || true"


def record_script(role, digest, write):
    """Prints `same`, or `differs` and (when write) replaces the marker atomically."""
    marker = shlex.quote(f"{MARKER_DIR}/{role}")
    temporary = shlex.quote(f"{MARKER_DIR}/.{role}.new")
    update = (f" && mkdir -p {shlex.quote(MARKER_DIR)} && printf '%s\\n' {digest} > {temporary}"
              f" && mv {temporary} {marker}") if write else ""
    return f"if [ \"$(cat {marker} 2>/dev/null)\" = {digest} ]; then echo same; else echo differs{update}; fi"
