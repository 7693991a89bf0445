"""Read one customer per YAML file, turning every bad file into data.

A broken file must not stop the run: it comes back as an entry with an
`error`, so validation lists it together with every other problem in the
inventory. What the file says is kept apart from what the loader says about
it: an entry is `{name, file, error, content}`, and only `content` comes from
the customer, so no key a customer writes can pose as the loader's.
"""

from __future__ import annotations

import os

import yaml

from ansible_collections.v6only.gateway.plugins.module_utils._model_strict import MAX_FILE_BYTES

SUFFIXES = (".yml", ".yaml")


# libyaml where PyYAML has it (Debian's package and the PyPI wheels do): about seven
# times faster than the pure-Python reader, and Ansible reads the customers again
# wherever it templates them (each play's argument spec and model fingerprint).
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Deeper than any honest customer file; refused from the events, before composing.
MAX_DEPTH = 64


class _StrictLoader(_BaseLoader):
    """The safe loader, refusing duplicate keys (a second `services:` key would
    otherwise silently drop every service above it)."""


def _refuse_anchors_and_depth(text):
    """Scan the events before anything is composed: anchors and aliases are refused
    (an alias bomb never expands) and so is absurd nesting. Returns an error or None."""
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.events.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&name, *name) are refused in customer files", event.start_mark)
        if isinstance(event, yaml.events.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return "nests too deeply to be read"
        elif isinstance(event, yaml.events.CollectionEndEvent):
            depth -= 1
    return None


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
                None, None, "duplicate key {0!r}".format(key)[:80], key_node.start_mark)
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


def _yaml_problem(exc, text):
    """PyYAML's problem and where, on one line, without the quoted snippet of the file."""
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml counts bytes of UTF-8 and gives the code point as a number.
        character = exc.character if isinstance(exc.character, int) else ord(exc.character)
        position = exc.position
        if _BaseLoader is not yaml.SafeLoader:
            position = len(text.encode("utf-8")[:position].decode("utf-8", "ignore"))
        return "the control character U+{0:04X} at character {1} is not allowed".format(character, position + 1)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    words = [w for w in (getattr(exc, "context", None), getattr(exc, "problem", None)) if w]
    if not words or mark is None:
        return " ".join(str(exc).split())
    return "{0} (line {1}, column {2})".format(" ".join(" ".join(words).split()), mark.line + 1, mark.column + 1)


def _text(path):
    """(text, None) or (None, why the file is not read): over the cap (read no further), unreadable, not UTF-8."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, "cannot be read: {0}".format(exc.strerror or exc)
    if len(raw) > MAX_FILE_BYTES:
        return None, "is {0} bytes, over the cap of {1} bytes ({2} KiB)".format(
            max(size, len(raw)), MAX_FILE_BYTES, MAX_FILE_BYTES // 1024)
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, "is not UTF-8 text (byte {0})".format(exc.start)


def _parsed(path):
    """(content, None) or (None, what is wrong with the file)."""
    text, error = _text(path)
    if error is not None:
        return None, error
    loader = None
    try:
        error = _refuse_anchors_and_depth(text)  # the reader refuses control characters already here
        if error is not None:
            return None, error
        loader = _StrictLoader(text)
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        if "maximum nesting depth" in str(exc):  # libyaml's own limit, 1,000 levels, met first
            return None, "nests too deeply to be read"
        return None, "is not valid YAML: " + _yaml_problem(exc, text)
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        return None, "is {0}, not a mapping".format(_kind(data))
    return data, None


def load_customer_file(path):
    """One entry `{name, file, error, content}`: content is the file's mapping, or None with the error."""
    stem = os.path.basename(path).rsplit(".", 1)[0]
    content, error = _parsed(path)
    return {"name": stem, "file": path, "error": error, "content": content}


def load_customer_files(directory):
    """Every `*.yml` and `*.yaml` customer in directory, sorted by file name.

    A missing directory is an inventory without customers, not an error.
    """
    if not os.path.isdir(directory):
        return []
    names = sorted(n for n in os.listdir(directory) if n.endswith(SUFFIXES) and not n.startswith("."))
    paths = [os.path.join(directory, n) for n in names]
    return [load_customer_file(p) for p in paths if os.path.isfile(p)]
