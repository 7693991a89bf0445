"""Strict reading of customer data: control characters, internal keys, bounded errors."""

import pytest
from hypothesis import given, strategies as st

from ansible_collections.v6only.gateway.plugins.module_utils import _customer_model
from ansible_collections.v6only.gateway.plugins.module_utils._model_strict import (
    MAX_ERROR_LINE,
    MAX_ERRORS_PER_CUSTOMER,
    control_characters,
    did_you_mean,
    error_line,
    shown,
    strict_problems,
)

SETTINGS = {"customer_prefixes": ["2001:db8:100::/48"], "gateway_ipv4": "198.51.100.20", "lending_pool": ["198.51.100.40"]}
# mallory is granted the prefix her VMs use, so only the strict checks speak.
REGISTRY = {"customers": {"mallory": {"prefixes": ["2001:db8:100::/64"]}}}


def validate(customers, settings):
    return _customer_model.validate(customers, settings, None, REGISTRY)


@pytest.mark.parametrize("text, found", [
    ("alice-web", []),
    ("alice-web\n", ["\n"]),
    ("a\r\n\tb\x00\x7f", ["\r", "\n", "\t", "\x00", "\x7f"]),
    ("evil\u202eexample", ["\u202e"]),  # bidi override, category Cf
    ("zero\u200bwidth", ["\u200b"]),
    ("café", []),
])
def test_control_characters_are_every_category_c_character(text, found):
    assert control_characters(text) == found


def test_shown_escapes_and_cuts_what_it_quotes():
    assert shown("alice-web\n") == "'alice-web\\n'"
    assert shown("\u202e") == "'\\u202e'"
    assert shown("x" * 100) == "'" + "x" * 64 + "'…"
    assert shown(5) == "5"
    assert len(shown(["y" * 1000] * 1000)) <= 65


@given(st.text(max_size=3000))
def test_shown_is_bounded_and_one_printable_line(text):
    out = shown(text)
    assert len(out) <= 64 * 10 + 3  # at worst every kept character is a \U0010ffff escape
    assert not control_characters(out)


def test_did_you_mean_names_the_closest_known_option():
    assert did_you_mean("servies", ("name", "services")) == "did you mean `services`? Otherwise remove it; known options: name, services"
    assert did_you_mean("colour", ("name", "services")) == "remove it; known options: name, services"
    assert did_you_mean(3, ("name",)) == "remove it; known options: name"


def test_strict_problems_name_the_field_at_every_level():
    data = {
        "prefix": "2001:db8:100:d::/64\n",
        "_error": "forged",
        "vms": [{"name": "m-web", "services": [{"proto": "https", "_internal": 1, "names": ["a\u202eb.example"]}]}],
        3: "x",
        "Bad Key": 1,
    }
    assert [(f, p) for f, p, _ in strict_problems(data)] == [
        ("prefix", "'2001:db8:100:d::/64\\n' contains the control character U+000A"),
        ("(file)", "key '_error' begins with `_`, which is reserved for the gateway's own data"),
        ("vms[0].services[0]", "key '_internal' begins with `_`, which is reserved for the gateway's own data"),
        ("vms[0].services[0].names[0]", "'a\\u202eb.example' contains the control character U+202E"),
        ("(file)", "key 3 is not a name"),
        ("(file)", "key 'Bad Key' is not an option name"),
    ]


def test_strict_problems_refuse_absurd_nesting_once():
    deep = []
    for _ in range(20):
        deep = [deep]
    assert strict_problems({"vms": deep}) == [("vms[0][0][0][0][0][0][0][0]", "nests deeper than 8 levels",
                                               "write the file as the documented options")]


@given(st.text(max_size=2000), st.text(max_size=2000), st.text(max_size=5000), st.text(max_size=5000))
def test_an_error_line_never_exceeds_its_cap_and_keeps_its_shape(scope, field, problem, fix):
    line = error_line(scope, field, problem, fix)
    assert len(line) <= MAX_ERROR_LINE
    assert ", field '" in line and ". Fix: " in line and line.endswith(".")


def test_a_short_error_line_is_left_as_it_is():
    assert error_line("customer 'a'", "vms", "missing", "list them") == "customer 'a', field 'vms': missing. Fix: list them."


def test_an_inline_customer_with_internal_keys_is_refused_whatever_it_forges():
    forged = {"name": "mallory", "_error": "x", "_source": "/etc/passwd", "_name_in_file": "alice", "vms": []}
    assert validate([forged], SETTINGS) == [
        "customer 'mallory', field '(file)': key '{0}' begins with `_`, which is reserved for the gateway's own data. "
        "Fix: remove it; only the gateway itself sets keys beginning with `_`.".format(k) for k in ("_error", "_source", "_name_in_file")]


def test_a_customer_reports_at_most_fifty_errors_then_how_many_more():
    vms = [{"name": "vm-{0}".format(i), "ipv6": "nope"} for i in range(60)]
    errors = validate([{"name": "mallory", "vms": vms}], SETTINGS)
    assert len(errors) == MAX_ERRORS_PER_CUSTOMER + 1
    assert errors[-1] == ("customer 'mallory', field '(file)': … and 10 more errors. "
                          "Fix: correct the errors above and validate again to see the rest.")


def test_a_huge_value_gives_a_bounded_error():
    [error] = validate([{"name": "mallory", "vms": [{"name": "m" * 200000, "ipv6": "2001:db8:100::1"}]}], SETTINGS)
    assert error == ("customer 'mallory', vm 'vms[0]', field 'name': '" + "m" * 64 + "'… is not a usable VM name. "
                     "Fix: use up to 45 lower-case letters, digits and hyphens (it becomes part of a DNS label).")
