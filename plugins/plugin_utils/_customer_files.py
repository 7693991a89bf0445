"""Read one customer per YAML file, turning every bad file into data.

A broken file must not stop the run: it comes back as
`{name, _source, _error}` so validation lists it together with every other
problem in the inventory.
"""

from __future__ import annotations

import os

import yaml

SUFFIXES = (".yml", ".yaml")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of keeping the last one.

    A second `services:` key in a customer file would otherwise silently drop
    every service above it.
    """


def _mapping_without_duplicates(loader, node, deep=False):
    seen = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:
            duplicate = False
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, "duplicate key {0!r}".format(key), key_node.start_mark)
        try:
            seen.add(key)
        except TypeError:
            pass
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def _kind(data):
    if data is None:
        return "empty"
    if isinstance(data, list):
        return "a list"
    if isinstance(data, str):
        return "a string"
    return "a " + type(data).__name__


def load_customer_file(path):
    """One customer mapping from one file; errors come back in `_error`."""
    base = os.path.basename(path)
    stem = base.rsplit(".", 1)[0]
    result = {"name": stem, "_source": path}
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        result["_error"] = "is not valid YAML: " + " ".join(str(exc).split())
        return result
    except (OSError, UnicodeDecodeError) as exc:
        result["_error"] = "cannot be read: {0}".format(exc)
        return result
    if not isinstance(data, dict):
        result["_error"] = "is {0}, not a mapping".format(_kind(data))
        return result
    if "name" in data and data["name"] != stem:
        result["_name_in_file"] = data["name"]
    for key, value in data.items():
        if key != "name":
            result[key] = value
    return result


def load_customer_files(directory):
    """Every `*.yml` and `*.yaml` customer in directory, sorted by file name.

    A missing directory is an inventory without customers, not an error.
    """
    if not os.path.isdir(directory):
        return []
    names = sorted(n for n in os.listdir(directory) if n.endswith(SUFFIXES) and not n.startswith("."))
    paths = [os.path.join(directory, n) for n in names]
    return [load_customer_file(p) for p in paths if os.path.isfile(p)]
