"""Proof of control of a domain: the DNS TXT challenge a customer publishes.

Like ACME DNS-01 or GitHub Pages' domain check, a customer proves it controls
a domain by publishing `_v6only-challenge.<domain>` with a token only the
provider can compute: HMAC-SHA256 under a provider secret over the customer
name and the domain. The token binds both, so one customer's record never
proves a domain for another, and no token can be forged without the secret.

Pure functions only; scripts/domain-proof does the files and the DNS queries.
"""

import base64
import hashlib
import hmac
import ipaddress
import re

RECORD_LABEL = "_v6only-challenge"
# 32 base32 characters carry 160 bits: out of reach of guessing, and short
# enough to fit one TXT string and a person's copy and paste.
TOKEN_LENGTH = 32
# A shorter secret would make the HMAC the weakest link.
MIN_SECRET_BYTES = 32
# Versioned, so a later token scheme cannot collide with this one.
_CONTEXT = b"v6only-challenge-v1"
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
VERIFIED_VARIABLE = "v6only_gateway_registry_verified"


def normalise_domain(domain):
    """The domain in its one spelling (lower case, no final dot); ValueError if it is not a DNS name."""
    if not isinstance(domain, str):
        raise ValueError("the domain must be a string")
    name = domain.lower()
    name = name[:-1] if name.endswith(".") else name
    labels = name.split(".")
    if len(name) > 253 - len(RECORD_LABEL) - 1 or len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError("{0!r} is not a domain name (labels of letters, digits and hyphens, at least two, "
                         "short enough to carry {1}.)".format(domain[:80], RECORD_LABEL))
    return name


def check_customer(customer):
    """The customer name, checked as the model checks it; ValueError otherwise."""
    if not (isinstance(customer, str) and _LABEL.fullmatch(customer)):
        raise ValueError("{0!r} is not a customer name (lower-case letters, digits and hyphens)".format(str(customer)[:80]))
    return customer


def record_name(domain):
    """The owner name of the challenge record, absolute: `_v6only-challenge.<domain>.`"""
    return "{0}.{1}.".format(RECORD_LABEL, normalise_domain(domain))


def token(secret, customer, domain):
    """The token `customer` publishes to prove control of `domain` under the provider's `secret` (bytes)."""
    if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
        raise ValueError("the provider secret must be at least {0} bytes".format(MIN_SECRET_BYTES))
    # NUL separators: neither part can contain one, so no two pairs give the same message.
    message = b"\0".join([_CONTEXT, check_customer(customer).encode(), normalise_domain(domain).encode()])
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode().rstrip("=").lower()[:TOKEN_LENGTH]


def record_line(secret, customer, domain, ttl=300):
    """The zone-file line the customer publishes."""
    return '{0} {1} IN TXT "{2}"'.format(record_name(domain), ttl, token(secret, customer, domain))


def txt_matches(expected, strings):
    """Whether one TXT record (its character-strings, bytes) holds the expected token.

    A TXT record may split its text into several strings; like DNS-01 they are
    joined. The comparison takes the same time wherever the first difference
    is, so a wrong guess tells nothing about the right token.
    """
    value = b"".join(strings).strip().lower()
    return hmac.compare_digest(value, expected.encode())


def verdict(expected, records):
    """'verified', 'wrong-token' or 'not-found' for the TXT records (lists of strings) at the challenge name."""
    if not records:
        return "not-found"
    # Every record is compared, so the time does not say which one matched.
    matched = [txt_matches(expected, strings) for strings in records]
    return "verified" if any(matched) else "wrong-token"


def parse_nameserver(text):
    """(address, port) from ADDR, ADDR:PORT, [IPv6] or [IPv6]:PORT; ValueError otherwise."""
    host, port = text, "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError("{0!r}: write [IPv6]:PORT".format(text[:80]))
            port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError("{0!r} is not an IP address (the name server is given by address)".format(text[:80])) from None
    if not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError("{0!r}: the port must be 1 to 65535".format(text[:80]))
    return str(address), int(port)


def record_verified(current, customer, domain):
    """The verified map (customer -> sorted domains) with `domain` added for `customer`.

    `current` is what the machine-owned file holds (None when it is new); a
    shape this function did not write is refused rather than guessed at.
    """
    current = {} if current is None else current
    if not isinstance(current, dict) or not all(
            isinstance(name, str) and isinstance(domains, list) and all(isinstance(d, str) for d in domains)
            for name, domains in current.items()):
        raise ValueError("{0} must map customer names to lists of domains".format(VERIFIED_VARIABLE))
    merged = {name: sorted(set(domains)) for name, domains in current.items()}
    merged[check_customer(customer)] = sorted(set(merged.get(customer, [])) | {normalise_domain(domain)})
    return dict(sorted(merged.items()))


def render_verified(verified):
    """The text of the machine-owned registry file for the verified map."""
    lines = ["---",
             "# Written by scripts/domain-proof check --record: domains whose proof of control",
             "# was seen in DNS. Machine-owned: do not edit by hand (docs/domain-proof.md).",
             "{0}:{1}".format(VERIFIED_VARIABLE, "" if verified else " {}")]
    for customer, domains in verified.items():
        lines.append("  {0}:".format(check_customer(customer)))
        lines.extend("    - {0}".format(normalise_domain(domain)) for domain in domains)
    return "\n".join(lines) + "\n"
