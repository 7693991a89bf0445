"""postfix_relay: inbound MX relay for customer domains, outbound smarthost for IPv6-only VMs."""
import re
import uuid
from pathlib import Path

import yaml

GW4 = "198.51.100.132"
GW6 = "2001:db8:10b::20"
ALICE_MAIL = "2001:db8:10b::10"
BOB_APP = "2001:db8:10b::11"
STRANGER6 = "2001:db8:10b::99"
# pf-client's second address (prepare.yml), the one that talks before the banner.
PREGREETER = "198.51.100.133"
ATTEMPT = "=== attempt"
SCENARIO = yaml.safe_load((Path(__file__).parents[1] / "molecule.yml").read_text())
RATE_LIMIT = SCENARIO["provisioner"]["inventory"]["group_vars"]["all"]["postfix_relay_vm_message_rate_limit"]


def swaks_command(*args):
    return "swaks --timeout 60 " + " ".join(args) + " 2>&1"


def swaks(host, *args):
    """Run swaks and return (exit status, transcript)."""
    result = host.run(swaks_command(*args))
    return result.rc, result.stdout


def smarthost_args(source, sender, *args):
    return (f"--server {GW6} --port 587 --local-interface {source}", f"--from {sender} --to carol@example.net", *args)


def smarthost(podman_host, source, sender, *args):
    return swaks(podman_host("pf-vm"), *smarthost_args(source, sender, *args))


def swaks_to_mx(wait_until, host, server, recipient, *args, timeout=60):
    """swaks to the inbound MX, again while the recipient's address verification is still running.

    The first RCPT for an address starts a probe to the VM (reject_unverified_recipient);
    Postfix waits address_verify_poll_count * address_verify_poll_delay for it, then answers
    this temporary 450 and the sender retries. A slow machine gets it on a correct gateway.
    Any other answer, or this one still after `timeout`, is returned for the caller to judge.
    """
    in_progress = (f"<** 450 4.1.1 <{recipient}>: Recipient address rejected: "
                   "unverified address: Address verification in progress")
    attempts = []

    def answered():
        attempts.append(swaks(host, f"--server {server} --to {recipient}", *args))
        return in_progress not in attempts[-1][1]

    wait_until(answered, timeout, 2)
    return attempts[-1]


def journal(host, tag, *options):
    """The gateway's journal lines of one syslog tag, message text only."""
    return host.check_output(" ".join(["journalctl", "-t", tag, *options, "--no-pager", "-o", "cat"]))


def test_listeners_mx_on_both_addresses_smarthost_on_ipv6_only(podman_host):
    gw = podman_host("pf-gw")
    assert gw.socket(f"tcp://{GW4}:25").is_listening
    assert gw.socket(f"tcp://{GW6}:25").is_listening
    assert gw.socket(f"tcp://{GW6}:587").is_listening
    assert not gw.socket("tcp://0.0.0.0:587").is_listening
    assert podman_host("pf-client").run(f"nc -z -w 3 {GW4} 587").rc != 0
    # postscreen answers port 25, smtpd behind it
    services = gw.check_output("postconf -M")
    assert f"{GW4}:25 inet n - n - 1 postscreen" in " ".join(services.split())


def test_ipv4_client_mail_for_customer_domain_lands_in_vm_mailbox(podman_host, wait_until, wait_for_mail):
    marker = f"pf-in-{uuid.uuid4()}"
    rc, out = swaks_to_mx(wait_until, podman_host("pf-client"), GW4, "alice@alice.example", "--from sender@example.org",
                          f"--header 'Subject: {marker}'")
    assert rc == 0, out
    assert "250 2.0.0 Ok: queued" in out
    message = wait_for_mail(podman_host("pf-vm"), "/var/mail/alice", marker)
    assert "by alice-mail.alice.example" in message and f"[IPv6:{GW6}]" in message
    assert "[198.51.100.130]" in message


def test_ipv6_client_reaches_the_mx_on_the_gateway_ipv6(podman_host, wait_until, wait_for_mail):
    marker = f"pf-in6-{uuid.uuid4()}"
    rc, out = swaks_to_mx(wait_until, podman_host("pf-vm"), GW6, "bob@bob.example", f"--local-interface {STRANGER6}",
                          f"--from sender@example.org --header 'Subject: {marker}'")
    assert rc == 0, out
    assert marker in wait_for_mail(podman_host("pf-vm"), "/var/mail/bob", marker)


def test_undeclared_domain_is_rejected_at_rcpt(podman_host):
    rc, out = swaks(podman_host("pf-client"), f"--server {GW4} --from sender@example.org --to x@nobody.example",
                    "--quit-after RCPT")
    assert rc != 0
    assert "<** 554 5.7.1 <x@nobody.example>: Relay access denied" in out


def test_unknown_recipient_is_refused_by_address_verification(podman_host, wait_until):
    rc, out = swaks_to_mx(wait_until, podman_host("pf-client"), GW4, "nobody-here@alice.example", "--from sender@example.org",
                          "--quit-after RCPT")
    assert rc != 0
    assert "<** 550 5.1.1 <nobody-here@alice.example>" in out
    assert "User unknown" in out


def test_starttls_with_the_relay_cert_on_the_mx(podman_host, wait_until):
    out = podman_host("pf-client").run(
        f"echo QUIT | openssl s_client -starttls smtp -connect {GW4}:25 2>&1").stdout
    assert "depth=0 CN = mail.ip4-gw.example.net" in out
    # self-signed when no cert is given: verification must fail for that reason only
    assert "Verify return code: 18 (self-signed certificate)" in out
    rc, out = swaks_to_mx(wait_until, podman_host("pf-client"), GW4, "alice@alice.example", "--tls --from sender@example.org",
                          "--quit-after RCPT")
    assert rc == 0, out
    assert "TLS started with cipher" in out


def test_postscreen_refuses_a_client_that_talks_before_the_banner(podman_host, wait_until):
    gw = podman_host("pf-gw")
    since = gw.check_output("date +%s")
    result = podman_host("pf-client").run(f"pf-pregreet {PREGREETER} {GW4} alice@alice.example")
    assert "550 5.5.1 Protocol error" in result.stdout, result.stdout + result.stderr
    # postscreen's own line for this client: "PREGREET 19 after 0.01 from [addr]:port: EHLO early.example\r\n"
    pregreet = re.compile(rf"^PREGREET \d+ after [\d.]+ from \[{re.escape(PREGREETER)}\]:\d+: EHLO early\.example", re.M)
    logged = ("postfix/postscreen", f"--since @{since}")
    assert wait_until(lambda: pregreet.search(journal(gw, *logged)), 15), (
        f"no PREGREET line from [{PREGREETER}] in 15 s:\n{journal(gw, *logged)}")


def test_vm_sends_as_its_domain_through_the_smarthost_to_an_ipv4_mx(podman_host, wait_for_mail):
    marker = f"pf-out-{uuid.uuid4()}"
    vm = podman_host("pf-vm")
    vm.run_test(f"printf 'Subject: {marker}\\n\\nfrom alice-mail\\n' | sendmail -f alice@alice.example carol@example.net")
    message = wait_for_mail(podman_host("pf-mx"), "/var/mail/carol", marker)
    assert "Return-Path: <alice@alice.example>" in message
    # relayed over IPv4 from the gateway's own address, the one customers' SPF names
    assert "by mx.example.net" in message and f"[{GW4}]" in message
    assert f"X-V6only-Sender-VM: alice-mail (customer alice) [{ALICE_MAIL}]" in message
    assert f"[IPv6:{ALICE_MAIL}]" in message


def test_forged_sender_domain_from_a_vm_is_rejected(podman_host):
    rc, out = smarthost(podman_host, ALICE_MAIL, "alice@bob.example", "--quit-after RCPT")
    assert rc != 0
    assert "<** 554 5.7.1 <alice@bob.example>: Sender address rejected: Sender domain is not one of this VM's customer domains" in out


def test_an_address_that_is_no_vm_cannot_use_the_smarthost(podman_host):
    rc, out = smarthost(podman_host, STRANGER6, "alice@alice.example", "--quit-after RCPT")
    assert rc != 0
    assert "<** 554 5.7.1" in out and "Client host rejected: Access denied" in out


def test_smarthost_offers_starttls(podman_host):
    rc, out = smarthost(podman_host, ALICE_MAIL, "alice@alice.example", "--tls --quit-after RCPT")
    assert rc == 0, out
    assert "TLS started with cipher" in out


def seconds(postfix_time):
    """A Postfix time value ("60s", "1m", "2h", or bare seconds) in seconds."""
    number, unit = re.fullmatch(r"(\d+)([smhdw]?)", postfix_time.strip()).groups()
    return int(number) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]


def test_rate_limit_is_per_vm_and_answers_4xx(podman_host):
    window = seconds(podman_host("pf-gw").check_output("postconf -h anvil_rate_time_unit"))
    # All attempts must fall in one anvil window: one exec runs them back to back, timed
    # in the VM, rather than a podman exec each (seconds apiece on a loaded machine).
    attempt = swaks_command(*smarthost_args(BOB_APP, "app@bob.example", "--quit-after MAIL"))
    out = podman_host("pf-vm").check_output(
        f"start=$(date +%s.%N); for i in $(seq {RATE_LIMIT + 1}); do echo '{ATTEMPT}'; {attempt}; done;"
        f" echo \"{ATTEMPT} $start $(date +%s.%N)\"")
    *replies, timing = out.split(ATTEMPT)[1:]
    start, end = map(float, timing.split())
    assert len(replies) == RATE_LIMIT + 1, out
    assert end - start < window, (
        f"{RATE_LIMIT + 1} attempts took {end - start:.1f} s, more than the {window} s rate window: too slow to test the limit")
    assert all("<-  250 2.1.0 Ok" in out for out in replies[:RATE_LIMIT]), replies
    assert f"<** 450 4.7.1 Error: too much mail from {BOB_APP}" in replies[-1], replies[-1]
    # another VM keeps its own count
    rc, out = smarthost(podman_host, ALICE_MAIL, "alice@alice.example", "--quit-after RCPT")
    assert rc == 0, out


def dkim_signatures(message):
    """The tags of each DKIM-Signature header of a message, as dicts."""
    headers = re.findall(r"^DKIM-Signature:(.*(?:\n[ \t].*)*)", message.split("\n\n", 1)[0], re.M)
    return [dict(t.split("=", 1) for t in re.sub(r"\s+", "", h).split(";") if "=" in t) for h in headers]


DKIM_SELECTOR = SCENARIO["provisioner"]["inventory"]["group_vars"]["all"]["postfix_relay_dkim_selector"]


def test_smarthost_mail_is_dkim_signed_for_the_sender_domain(podman_host, wait_until, wait_for_mail):
    marker = f"pf-dkim-{uuid.uuid4()}"
    podman_host("pf-vm").run_test(
        f"printf 'Subject: {marker}\\n\\nsigned\\n' | sendmail -f alice@alice.example carol@example.net")
    message = wait_for_mail(podman_host("pf-mx"), "/var/mail/carol", marker)
    signatures = dkim_signatures(message)
    assert len(signatures) == 1, message
    tags = signatures[0]
    assert tags["d"] == "alice.example" and tags["s"] == DKIM_SELECTOR and tags["a"] == "rsa-sha256"
    assert tags["b"] and tags["bh"]
    # the gateway's queue id for this message (its Received header) names opendkim's signing line
    queue_id = re.search(r"by mail\.ip4-gw\.example\.net \(Postfix\) with E?SMTPS? id (\w+)", message).group(1)
    signed = f"{queue_id}: DKIM-Signature field added (s={DKIM_SELECTOR}, d=alice.example)"
    assert wait_until(lambda: signed in journal(podman_host("pf-gw"), "opendkim"), 10), journal(podman_host("pf-gw"), "opendkim")


def test_inbound_mail_is_not_signed(podman_host, wait_until, wait_for_mail):
    marker = f"pf-nodkim-{uuid.uuid4()}"
    rc, out = swaks_to_mx(wait_until, podman_host("pf-client"), GW4, "alice@alice.example", "--from sender@alice.example",
                          f"--header 'Subject: {marker}'")
    assert rc == 0, out
    assert "DKIM-Signature:" not in wait_for_mail(podman_host("pf-vm"), "/var/mail/alice", marker)


def test_dkim_key_is_private_to_opendkim(podman_host):
    key = podman_host("pf-gw").file(f"/etc/opendkim/keys/alice.example/{DKIM_SELECTOR}.private")
    assert key.exists and key.mode == 0o600 and key.user == "opendkim"
    assert podman_host("pf-gw").file(f"/etc/opendkim/keys/bob.example/{DKIM_SELECTOR}.private").mode == 0o600


def test_header_from_of_its_own_domain_is_accepted_and_delivered(podman_host, wait_for_mail):
    """A display name that looks like another domain's address is no address: only <alice@alice.example> counts."""
    marker = f"pf-from-own-{uuid.uuid4()}"
    rc, out = smarthost(podman_host, ALICE_MAIL, "alice@alice.example",
                        f"--header 'From: \"boss@bob.example\" <Alice@ALICE.example>' --header 'Subject: {marker}'")
    assert rc == 0, out
    assert "<-  250 2.0.0 Ok: queued" in out
    message = wait_for_mail(podman_host("pf-mx"), "/var/mail/carol", marker)
    assert '\nFrom: "boss@bob.example" <Alice@ALICE.example>' in message


FOREIGN_FROM = "<** 554 5.7.1 header From domain bob.example is not one of this VM's customer domains"


def test_header_from_of_another_customer_is_refused_with_5_7_1(podman_host):
    """Envelope alice.example (alice-mail's own), header From bob.example: refused at the end of DATA."""
    rc, out = smarthost(podman_host, ALICE_MAIL, "alice@alice.example", "--header 'From: Boss <boss@bob.example>'")
    assert rc != 0
    assert FOREIGN_FROM in out, out
    assert "queued" not in out


def test_header_from_is_checked_for_bounces_too(podman_host, wait_for_mail):
    """A null envelope sender names no domain: its header From must still be the customer's; such a bounce goes unsigned."""
    rc, out = smarthost(podman_host, ALICE_MAIL, "'<>'", "--header 'From: MAILER-DAEMON@bob.example'")
    assert rc != 0 and FOREIGN_FROM in out, out
    marker = f"pf-dkim-null-{uuid.uuid4()}"
    rc, out = smarthost(podman_host, ALICE_MAIL, "'<>'",
                        f"--header 'From: MAILER-DAEMON@alice.example' --header 'Subject: {marker}'")
    assert rc == 0, out
    message = wait_for_mail(podman_host("pf-mx"), "/var/mail/carol", marker)
    assert "Return-Path: <>" in message and "\nFrom: MAILER-DAEMON@alice.example" in message
    assert dkim_signatures(message) == [], message
    queue_id = re.search(r"by mail\.ip4-gw\.example\.net \(Postfix\) with E?SMTPS? id (\w+)", message).group(1)
    assert f"{queue_id}: DKIM-Signature field added" not in journal(podman_host("pf-gw"), "opendkim")


def test_a_message_without_header_from_is_refused(podman_host):
    rc, out = smarthost(podman_host, ALICE_MAIL, "alice@alice.example",
                        "--data 'To: carol@example.net\\nSubject: no From\\n\\nbody\\n'")
    assert rc != 0
    assert "<** 554 5.7.1 message has no header From; it must name one of this VM's customer domains" in out, out


def test_a_main_cf_with_a_parameter_postfix_ignores_never_lands(podman_host, ansible_playbook):
    """main.cf is checked as a candidate: a run that would add a parameter Postfix ignores fails before the live file changes."""
    gw = podman_host("pf-gw")
    live = gw.check_output("sha256sum /etc/postfix/main.cf /etc/postfix/master.cf")
    bad = ansible_playbook("converge.yml", extra_vars={"postfix_relay_hostname": "mail.ip4-gw.example.net\nsmtpd_recipent_restrictions = permit"})
    assert bad.returncode != 0
    before_failure = (bad.stdout + bad.stderr).split("fatal: [pf-gw]")[0]
    assert re.findall(r"TASK \[([^\]]*)\]", before_failure)[-1].startswith("v6only.gateway.postfix_relay : Check the candidate")
    assert "smtpd_recipent_restrictions" in gw.check_output("cat /etc/postfix/relay/candidate/main.cf")
    assert gw.check_output("sha256sum /etc/postfix/main.cf /etc/postfix/master.cf") == live
    assert "smtpd_recipent_restrictions" not in gw.check_output("postconf -n")
    good = ansible_playbook("converge.yml")
    assert good.returncode == 0, good.stdout[-3000:]


def test_a_table_postmap_warns_about_never_lands(podman_host, ansible_playbook):
    """A changed table is indexed on a staged copy first: a duplicate key (an entry postmap would
    silently drop, here smuggled in by a nexthop with a newline) fails the run before the live table
    or its index changes."""
    gw = podman_host("pf-gw")
    table = "/etc/postfix/relay/transport"
    live = gw.check_output(f"sha256sum {table} {table}.db")
    static = SCENARIO["provisioner"]["inventory"]["group_vars"]["all"]["postfix_relay_static_transports"]
    smuggled = dict(static, **{"example.org": f"{static['example.net']}\nexample.net smtp:[198.51.100.131]:2525"})
    bad = ansible_playbook("converge.yml", extra_vars={"postfix_relay_static_transports": smuggled})
    assert bad.returncode != 0
    out = bad.stdout + bad.stderr
    before_failure = out.split("fatal: [pf-gw]")[0]
    assert re.findall(r"TASK \[([^\]]*)\]", before_failure)[-1] == "v6only.gateway.postfix_relay : Render the tables"
    assert "duplicate entry" in out, out[-3000:]
    assert gw.check_output(f"sha256sum {table} {table}.db") == live
    assert gw.check_output(f"postmap -q example.net hash:{table}") == static["example.net"]
    good = ansible_playbook("converge.yml")
    assert good.returncode == 0, good.stdout[-3000:]
