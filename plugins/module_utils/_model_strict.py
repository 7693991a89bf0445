"""Strict reading of what a customer wrote: the first check of every customer.

Customer files arrive as pull requests, often from the customers themselves,
so their text is hostile until shown otherwise. Before any field is
interpreted, `strict_problems` walks the whole mapping and refuses what no
honest file contains: control characters (a trailing newline in a VM name, a
bidi override), keys beginning with `_` (the model's own namespace), keys
that are not plain option names, and nesting deeper than any option needs.
`shown` quotes a value in an error at a bounded length, so a hostile value
cannot flood a CI log; `did_you_mean` gives the fix for an unknown key.
"""

from __future__ import annotations

import difflib
import re
import reprlib
import unicodedata
from collections.abc import Mapping

# Larger than any honest customer file by two orders of magnitude; the
# customer_files loader refuses a bigger file unread.
MAX_FILE_BYTES = 256 * 1024
# Values quoted in an error are cut to this many characters.
MAX_SHOWN = 64
# The deepest option is vms[].services[].names[]; anything far below is not a customer file.
MAX_DEPTH = 8
# A key is a plain option name or it is refused before it names a field.
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = MAX_SHOWN + 8
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = _REPR.maxset = 4
_REPR.maxlevel = 2


def shown(value, limit=MAX_SHOWN):
    """`repr(value)`, cut to `limit` characters with an ellipsis: control characters show as escapes."""
    if isinstance(value, str):
        text = repr(value[:limit])
        return text + "…" if len(value) > limit else text
    text = _REPR.repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def plain(text, limit=120):
    """Provider-side text (a path) as it is when short and printable, else `shown`."""
    if isinstance(text, str) and len(text) <= limit and not control_characters(text):
        return text
    return shown(text, limit)


def control_characters(text):
    """The distinct Unicode category C characters (controls, format, unassigned) in text, in order."""
    found = []
    for char in text:
        if unicodedata.category(char)[0] == "C" and char not in found:
            found.append(char)
    return found


def did_you_mean(key, known):
    """The fix for an unknown key: the closest known one, then every known one."""
    close = difflib.get_close_matches(str(key), [str(k) for k in known], n=1) if isinstance(key, str) else []
    hint = "did you mean `{0}`? Otherwise remove it; ".format(close[0]) if close else "remove it; "
    return hint + "known options: " + ", ".join(known)


def strict_problems(data, path="", depth=0, top="(file)"):
    """(field, problem, fix) for everything refused in a customer's raw data, at any level; `top` names the whole."""
    if depth > MAX_DEPTH:
        return [(path or top, "nests deeper than {0} levels".format(MAX_DEPTH), "write the file as the documented options")]
    if isinstance(data, str):
        return _string_problems(data, path or top)
    problems = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            problem = _key_problem(key)
            if problem is not None:
                problems.append((path or top, problem[0], problem[1]))
                continue
            problems.extend(strict_problems(value, "{0}.{1}".format(path, key) if path else key, depth + 1, top))
    elif isinstance(data, (list, tuple)):
        for index, value in enumerate(data):
            problems.extend(strict_problems(value, "{0}[{1}]".format(path, index), depth + 1, top))
    return problems


def _string_problems(text, path):
    bad = control_characters(text)
    if not bad:
        return []
    return [(path, "{0} contains {1}".format(shown(text), _named(bad)),
             "remove it: every value is one line of printable text, with no trailing newline (use `key: value`, not a `|` block)")]


def _named(chars):
    return "the control character{0} {1}".format("" if len(chars) == 1 else "s", ", ".join("U+{0:04X}".format(ord(c)) for c in chars[:4]))


def _key_problem(key):
    """(problem, fix) when a key may not be used, else None."""
    if not isinstance(key, str):
        return "key {0} is not a name".format(shown(key)), "write option names as plain lower-case words"
    if control_characters(key):
        return "key {0} contains {1}".format(shown(key), _named(control_characters(key))), "remove it from the key"
    if key.startswith("_"):
        return ("key {0} begins with `_`, which is reserved for the gateway's own data".format(shown(key)),
                "remove it; only the gateway itself sets keys beginning with `_`")
    if not _KEY.fullmatch(key):
        return "key {0} is not an option name".format(shown(key)), "use the documented lower-case option names"
    return None


# An error line never grows past this, whatever it quotes; and one customer
# reports at most this many errors, then how many more there are.
MAX_ERROR_LINE = 500
MAX_ERRORS_PER_CUSTOMER = 50


def error_line(scope, field, problem, fix):
    """`<scope>, field '<field>': <problem>. Fix: <fix>.`, its parts cut so the line stays within MAX_ERROR_LINE."""
    parts = [str(scope), str(field), str(problem), str(fix)]
    excess = sum(len(p) for p in parts) + len(", field '': . Fix: .") - MAX_ERROR_LINE
    for i in (2, 3, 1, 0):  # the problem gives way first, the scope last
        if excess <= 0:
            break
        cut = min(excess + 1, len(parts[i]) - 1)
        if cut > 0:
            parts[i] = parts[i][:len(parts[i]) - cut] + "…"
            excess -= cut - 1
    return "{0}, field '{1}': {2}. Fix: {3}.".format(*parts)


def cap_errors(analysis, start, scope):
    """Keep the first MAX_ERRORS_PER_CUSTOMER errors reported since `start`, then say how many more there were."""
    extra = len(analysis.errors) - start - MAX_ERRORS_PER_CUSTOMER
    if extra > 0:
        del analysis.errors[start + MAX_ERRORS_PER_CUSTOMER:]
        analysis.error(scope, "(file)", "… and {0} more error{1}".format(extra, "" if extra == 1 else "s"),
                       "correct the errors above and validate again to see the rest")
