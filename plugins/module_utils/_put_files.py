# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shell side of the put_files action: what to compare, what changed, how to place it.

Pure functions, so the planning is tested without a host. The scripts are
POSIX sh with coreutils only (sha1sum, stat, install, mv).
"""

import posixpath
import re
import shlex

KEYS = {"dest", "src", "content", "mode", "owner", "group", "validate"}
PRUNE_MARK = "::prune::"
# The pattern part of a prune glob stays unquoted for the shell to expand, so it is kept to these.
PATTERN = re.compile(r"^[A-Za-z0-9._*?-]+$")


def files_in(texts, directory, **attributes):
    """{name: text} as put_files entries under one directory, sorted by name."""
    return [dict(attributes, dest=posixpath.join(directory, name), content=text) for name, text in sorted(texts.items())]


def prune_globs(globs):
    """The prune globs, or ValueError: an absolute directory and a plain file pattern each."""
    problems = [g for g in globs or [] if not isinstance(g, str) or not g.startswith("/")
                or not PATTERN.match(posixpath.basename(g))]
    if problems:
        raise ValueError(f"put_files: prune globs must be /absolute/dir/pattern with a plain pattern: {problems!r}")
    return list(globs or [])


def normalize(files):
    """The task's `files` with defaults filled in, or ValueError naming every bad entry."""
    if not isinstance(files, list) or not files:
        raise ValueError("files must be a non-empty list of {dest, src or content, mode, owner, group, validate}")
    problems, seen, out = [], set(), []
    for number, spec in enumerate(files, 1):
        if not isinstance(spec, dict):
            problems.append(f"entry {number} is not a mapping")
            continue
        dest = spec.get("dest")
        unknown = sorted(set(spec) - KEYS)
        if not isinstance(dest, str) or not dest.startswith("/"):
            problems.append(f"entry {number}: dest must be an absolute path, not {dest!r}")
        elif dest in seen:
            problems.append(f"entry {number}: {dest} is listed twice")
        if ("src" in spec) == ("content" in spec):
            problems.append(f"entry {number} ({dest}): give exactly one of src and content")
        if unknown:
            problems.append(f"entry {number} ({dest}): unknown keys {', '.join(unknown)}")
        if "%s" not in str(spec.get("validate", "%s")):
            problems.append(f"entry {number} ({dest}): validate must contain %s, the file to check")
        seen.add(dest)
        mode = str(spec.get("mode", "0644"))
        if not mode or set(mode) - set("01234567") or int(mode, 8) > 0o7777:
            problems.append(f"entry {number} ({dest}): mode must be octal like '0644', not {mode!r}")
        out.append(dict(spec, mode=mode))
    if problems:
        raise ValueError("put_files: " + "; ".join(problems))
    return out


def compare_script(dests, globs=()):
    """One line per file: `-` when absent, else `<sha1> <octal mode> <owner> <group>`;
    then a mark and every existing file the prune globs match."""
    quoted = " ".join(shlex.quote(dest) for dest in dests)
    script = (f"for f in {quoted}; do if [ -f \"$f\" ]; then "
              "printf '%s %s\\n' \"$(sha1sum < \"$f\" | cut -d' ' -f1)\" \"$(stat -L -c '%a %U %G' \"$f\")\"; "
              f"else echo -; fi; done; echo {PRUNE_MARK}")
    for glob in globs:
        pattern = shlex.quote(posixpath.dirname(glob)) + "/" + posixpath.basename(glob)
        script += f"; for f in {pattern}; do [ -f \"$f\" ] && printf '%s\\n' \"$f\"; done; true"
    return script


def split_found(lines, wanted):
    """compare_script's output as (one line per wanted file, files to prune)."""
    if PRUNE_MARK not in lines:
        raise ValueError(f"the compare command printed no {PRUNE_MARK} mark: {lines!r}")
    mark = lines.index(PRUNE_MARK)
    keep = {spec["dest"] for spec in wanted}
    return lines[:mark], sorted({path for path in lines[mark + 1:] if path not in keep})


def plan(wanted, lines, sha1):
    """The files whose content, mode, owner or group differ from what `compare_script` printed."""
    if len(lines) != len(wanted):
        raise ValueError(f"expected {len(wanted)} lines from the compare command, got {len(lines)}: {lines!r}")
    changes = []
    for spec, line in zip(wanted, lines):
        fields = line.split()
        if fields == ["-"]:
            changes.append(dict(spec, exists=False, content_changed=True))
            continue
        digest, mode, owner, group = fields
        content_changed = digest != sha1(spec["content"])
        if content_changed or int(mode, 8) != int(spec["mode"], 8) or spec.get("owner", owner) != owner \
                or spec.get("group", group) != group:
            changes.append(dict(spec, exists=True, content_changed=content_changed))
    return changes


def validate_script(validate, path):
    """The file's check command, %s being the staged copy (as the template module's validate)."""
    return validate.replace("%s", shlex.quote(path))


def apply_script(changes, staged, pruned=()):
    """Install each staged file beside its destination and rename it over it, or fix its owner and mode;
    then remove the pruned files."""
    steps = ["set -e"]
    for change, path in zip(changes, staged):
        dest, mode = shlex.quote(change["dest"]), change["mode"]
        owner = "".join(f" -{flag} {shlex.quote(str(change[key]))}" for flag, key in (("o", "owner"), ("g", "group"))
                        if key in change)
        if change["content_changed"]:
            temporary = shlex.quote(change["dest"] + ".put_files")
            steps.append(f"install{owner} -m {mode} {shlex.quote(path)} {temporary}")
            steps.append(f"mv -f {temporary} {dest}")
        else:
            steps.extend(f"{command} {shlex.quote(str(change[key]))} {dest}"
                         for command, key in (("chown", "owner"), ("chgrp", "group")) if key in change)
            steps.append(f"chmod {mode} {dest}")
    steps.extend(f"rm -f -- {shlex.quote(path)}" for path in pruned)
    return "\n".join(steps)
