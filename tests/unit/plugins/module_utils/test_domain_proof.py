"""Proof of control: the token binds the secret, the customer and the domain; the comparison and the registry file."""

import base64
import hashlib
import hmac

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.v6only.gateway.plugins.module_utils._customer_model import validate
from ansible_collections.v6only.gateway.plugins.module_utils._domain_proof import (
    TOKEN_LENGTH, VERIFIED_VARIABLE, normalise_domain, parse_nameserver, record_line, record_name, record_verified,
    render_verified, token, txt_matches, verdict)

SECRET = b"unit-test-secret-not-used-anywhere-else"
LABELS = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
DOMAINS = st.lists(LABELS, min_size=2, max_size=4).map(".".join)


def test_the_token_is_the_truncated_base32_hmac_of_customer_and_domain():
    digest = hmac.new(SECRET, b"v6only-challenge-v1\0alice\0alice.example", hashlib.sha256).digest()
    expected = base64.b32encode(digest).decode().rstrip("=").lower()[:TOKEN_LENGTH]
    assert token(SECRET, "alice", "alice.example") == expected
    assert len(expected) == 32 and expected.isalnum() and expected == expected.lower()


def test_the_record_line_is_a_zone_file_txt_record():
    assert record_line(SECRET, "alice", "Alice.Example.") == (
        '_v6only-challenge.alice.example. 300 IN TXT "{0}"'.format(token(SECRET, "alice", "alice.example")))


@given(DOMAINS)
def test_a_domain_has_one_spelling(domain):
    assert token(SECRET, "alice", domain.upper() + ".") == token(SECRET, "alice", domain)
    assert record_name(domain) == "_v6only-challenge.{0}.".format(domain)


@given(st.tuples(LABELS, DOMAINS), st.tuples(LABELS, DOMAINS))
def test_different_customers_or_domains_get_different_tokens(first, second):
    assert (token(SECRET, *first) == token(SECRET, *second)) == (first == second)


def test_another_secret_gives_another_token():
    assert token(SECRET, "alice", "alice.example") != token(SECRET + b"!", "alice", "alice.example")


@pytest.mark.parametrize("secret,customer,domain,message", [
    (b"short", "alice", "alice.example", "at least 32 bytes"),
    ("a str, not bytes, of forty characters ....", "alice", "alice.example", "at least 32 bytes"),
    (SECRET, "Alice", "alice.example", "not a customer name"),
    (SECRET, "alice\n", "alice.example", "not a customer name"),
    (SECRET, "alice", "example", "not a domain name"),
    (SECRET, "alice", "alice.example\n", "not a domain name"),
    (SECRET, "alice", "-bad.example", "not a domain name"),
    (SECRET, "alice", "a..example", "not a domain name"),
    (SECRET, "alice", "x." * 120 + "example", "not a domain name"),
    (SECRET, "alice", None, "must be a string"),
])
def test_unusable_inputs_are_refused(secret, customer, domain, message):
    with pytest.raises(ValueError, match=message):
        token(secret, customer, domain)


@pytest.mark.parametrize("strings,matches", [
    ([b"TOKEN"], True),
    ([b"TO", b"KEN"], True),           # a record split into several strings is joined
    ([b" token "], True),
    ([b"token2"], False),
    ([b"tokem"], False),
    ([b""], False),
])
def test_a_txt_record_matches_only_the_whole_token(strings, matches):
    assert txt_matches("token", strings) is matches


@pytest.mark.parametrize("records,result", [
    ([], "not-found"),
    ([[b"other"]], "wrong-token"),
    ([[b"other"], [b"token"]], "verified"),   # a domain may carry several challenges at once
    ([[b"token"]], "verified"),
])
def test_the_verdict_over_every_record_at_the_name(records, result):
    assert verdict("token", records) == result


@pytest.mark.parametrize("text,address", [
    ("198.51.100.116", ("198.51.100.116", 53)),
    ("198.51.100.116:5353", ("198.51.100.116", 5353)),
    ("2001:db8:10a::110", ("2001:db8:10a::110", 53)),
    ("[2001:db8:10a::110]", ("2001:db8:10a::110", 53)),
    ("[2001:db8:10a::110]:5353", ("2001:db8:10a::110", 5353)),
])
def test_a_name_server_is_an_address_and_an_optional_port(text, address):
    assert parse_nameserver(text) == address


@pytest.mark.parametrize("text,message", [
    ("ns1.example", "not an IP address"),
    ("198.51.100.116:0", "port must be"),
    ("198.51.100.116:dns", "port must be"),
    ("[2001:db8::1]53", "write \\[IPv6\\]:PORT"),
])
def test_an_unusable_name_server_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_nameserver(text)


def test_recording_adds_the_domain_once_and_keeps_the_file_sorted():
    first = record_verified(None, "erin", "erin.example")
    second = record_verified(first, "alice", "Alice.Example.")
    assert record_verified(second, "alice", "alice.example") == second == {
        "alice": ["alice.example"], "erin": ["erin.example"]}
    text = render_verified(record_verified(second, "alice", "shop.example"))
    assert yaml.safe_load(text) == {VERIFIED_VARIABLE: {"alice": ["alice.example", "shop.example"], "erin": ["erin.example"]}}
    assert text.startswith("---\n# Written by scripts/domain-proof")
    assert yaml.safe_load(render_verified({})) == {VERIFIED_VARIABLE: {}}


@pytest.mark.parametrize("current", [["alice"], {"alice": "alice.example"}, {"alice": [1]}])
def test_a_registry_file_of_another_shape_is_refused_not_rewritten(current):
    with pytest.raises(ValueError, match="must map customer names to lists of domains"):
        record_verified(current, "alice", "alice.example")


def test_what_record_writes_is_what_the_model_reads_as_verified():
    settings = {"customer_prefixes": ["2001:db8:100::/48"], "gateway_ipv4": "198.51.100.20", "zone": "ip4-gw.example.net"}
    alice = {"name": "alice", "prefix": "2001:db8:100:a::/64", "domains": ["alice.example"], "vms": []}
    registry = {"require_verified": True, "customers": {
        "alice": {"domains": ["alice.example"], "prefixes": ["2001:db8:100:a::/64"]}}}

    def errors(recorded):
        loaded = yaml.safe_load(render_verified(recorded))[VERIFIED_VARIABLE]
        return validate([alice], settings, None, registry, loaded)

    assert errors(record_verified(None, "alice", "alice.example")) == []
    # Another customer's proof, or a proof of a domain not granted (recorded first, or revoked since), counts for nothing.
    for recorded in ({}, record_verified(None, "bob", "alice.example"), record_verified(None, "alice", "shop.example")):
        assert [e.split(": ", 1)[1].split(". Fix")[0] for e in errors(recorded)] == [
            "alice.example has no proof of control and require_verified is true"]
