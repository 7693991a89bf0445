"""The run summary (module_utils/_run_summary.py): what changed per customer, and the text site.yml prints."""

import copy
import json

import pytest

from ansible_collections.v6only.gateway.plugins.module_utils._run_summary import applied_state, render, summary

DRAINING = {"address": "198.51.100.26", "customer": "bob", "vm": "bob-web", "proto": "smtp",
            "ports": [{"transport": "tcp", "port": 25}], "data_ports": None, "state": "draining",
            "since": "2026-12-01T10:00:00Z", "expires": "2026-12-03T10:00:00Z"}


def leased(model, address="198.51.100.24"):
    """The model once ipv4_lending has lent every lend row one address."""
    model = copy.deepcopy(model)
    for row in model["rows"]:
        if row["routing"] == "lend":
            row["listen_ipv4"] = address
    return model


def with_name(model, vm, proto, name):
    model = copy.deepcopy(model)
    next(r for r in model["rows"] if r["vm"] == vm and r["proto"] == proto)["match"].append(name)
    return model


def by_key(entry):
    return {(c["change"], c["kind"], c["key"]): c["detail"] for c in entry["changes"]}


def test_the_first_run_lists_every_lab_customer_as_new_with_its_records(lab_model):
    result = summary(None, leased(lab_model))
    assert result["first_run"] is True
    assert [c["customer"] for c in result["customers"]] == ["alice", "bob"]
    assert {c["status"] for c in result["customers"]} == {"new"}
    alice = by_key(result["customers"][0])
    assert alice[("+", "name", "www.alice.example")] == "http, https"
    assert alice[("+", "ssh", "alice-web")] == "ssh -p 2201 198.51.100.20"
    assert alice[("+", "lease", "alice-web/imap")] == "198.51.100.24 active"
    assert set(c for c, _kind, _key in alice) == {"+"}
    dns = [(r["name"], r["type"], r["value"], r["where"]) for r in result["customers"][0]["dns"]]
    assert ("www.alice.example.", "A", "198.51.100.20", "zone") in dns
    assert ("alice.example.", "NS", "dns-alice-web-ip4-gw.ip4-gw.lab.example.", "registrar") in dns
    assert ("alice.example.", "MX", "10 smtp-alice-web-ip4-gw.ip4-gw.lab.example.", "zone") in dns
    assert ("alice.example.", "TXT", '"v=spf1 ip4:198.51.100.20 ip6:2001:db8:10::20 -all"', "zone") in dns
    assert ("<your imap name>", "CNAME", "imap-alice-web-ip4-gw.ip4-gw.lab.example.", "zone") in dns
    assert result["unchanged"] == []


def test_a_run_after_an_applied_one_changes_nothing(lab_model):
    model = leased(lab_model)
    result = summary(summary(None, model)["state"], model)
    assert (result["first_run"], result["customers"], result["unchanged"]) == (False, [], ["alice", "bob"])
    assert render(result, "applied") == ["Run summary: applied", "0 customers changed, 2 unchanged", "Unchanged: alice, bob"]


def test_an_added_name_is_one_row_and_one_a_record_and_the_rest_is_unchanged(lab_model):
    before = summary(None, leased(lab_model))["state"]
    result = summary(before, with_name(leased(lab_model), "alice-web", "https", "shop.alice.example"))
    [alice] = result["customers"]
    assert alice["status"] == "changed"
    assert alice["changes"] == [{"change": "+", "kind": "name", "key": "shop.alice.example", "detail": "https"}]
    assert alice["dns"] == [{"name": "shop.alice.example.", "type": "A", "value": "198.51.100.20", "where": "zone"}]
    assert result["unchanged"] == ["bob"]
    assert render(result, "applied")[2:] == [
        "alice: 1 added",
        "  + name  shop.alice.example  https",
        "  Set in its zone:",
        "    shop.alice.example.  A     198.51.100.20",
        "Unchanged: bob",
    ]


def test_a_name_on_one_more_protocol_is_changed_and_needs_no_new_record(lab_model):
    before = summary(None, leased(lab_model))["state"]
    result = summary(before, with_name(leased(lab_model), "alice-web", "doh", "www.alice.example"))
    assert by_key(result["customers"][0]) == {("~", "name", "www.alice.example"): "doh, http, https (was http, https)"}
    assert result["customers"][0]["dns"] == []


def test_removed_names_ports_and_customers_show_and_ask_for_no_record(lab_model):
    before = summary(None, with_name(leased(lab_model), "bob-web", "http", "old.bob.example"))["state"]
    before["customers"]["zed"] = {"ssh": {"zed-vm": 2250}}
    result = summary(before, leased(lab_model))
    bob, zed = result["customers"]
    assert by_key(bob) == {("-", "name", "old.bob.example"): "http"}
    assert (zed["status"], by_key(zed)) == ("removed", {("-", "ssh", "zed-vm"): "ssh -p 2250 198.51.100.20"})
    assert bob["dns"] == zed["dns"] == []
    assert "zed: removed customer" in render(result, "applied")


def test_leases_go_from_pending_to_active_to_draining(lab_model):
    pending = summary(None, lab_model)
    assert by_key(pending["customers"][1])[("+", "lease", "bob-web/ftp")].startswith("pending")
    active = summary(pending["state"], leased(lab_model))
    assert by_key(active["customers"][1])[("~", "lease", "bob-web/ftp")].startswith("198.51.100.24 active (was pending")
    draining = summary(active["state"], leased(lab_model), [DRAINING])
    assert by_key(draining["customers"][0]) == {
        ("+", "lease", "bob-web/smtp"): "198.51.100.26 draining until 2026-12-03T10:00:00Z"}
    assert draining["customers"][0]["dns"] == [], "a draining lease asks the customer for nothing"


def test_the_state_is_small_json_and_holds_no_key(lab_model):
    state = applied_state(leased(lab_model), [DRAINING])
    assert json.loads(json.dumps(state)) == state
    assert state["customers"]["alice"]["ssh"] == {"alice-web": 2201}
    assert state["customers"]["bob"]["leases"]["bob-web/smtp"]["state"] == "draining"
    text = json.dumps(state)
    assert all(peer["public_key"] not in text for peer in lab_model["vpn_peers"])


@pytest.mark.parametrize("previous", [{}, {"customers": {}}, {"version": 1, "customers": []},
                                      {"version": 1, "customers": {"alice": {"names": []}}}, "text"])
def test_a_broken_recorded_state_says_how_to_start_afresh(lab_model, previous):
    with pytest.raises(ValueError, match="delete the file to start afresh"):
        summary(previous, lab_model)


def test_long_lists_are_cut_and_every_line_but_a_record_fits_the_width(lab_model):
    model = leased(lab_model)
    for n in range(30):
        model = with_name(model, "alice-web", "https", "n{0}.{1}.alice.example".format(n, "x" * 60))
    before = summary(None, leased(lab_model))["state"]
    many = {"version": 1, "customers": dict(before["customers"], **{"c{0:02}".format(n): {"ssh": {"v": n}} for n in range(25)})}
    lines = render(summary(many, model), "applied", width=72, max_rows=5, max_customers=3)
    assert "  … and 25 more changes" in lines
    assert "    … and 25 more records" in lines, "30 A records, 5 shown"
    assert lines[-2:] == ["… and 23 more customers changed", "Unchanged: bob"]
    records = [line for line in lines if line.startswith("    n")]
    assert all(len(line) <= 72 for line in lines if line not in records)
    assert any(len(line) > 72 for line in records), "a DNS record is never cut"
    assert "  + name  {0}…  https".format(("n0." + "x" * 60)[:27]) in lines, "a long key is cut to its column"


def test_a_long_unchanged_list_is_one_line(lab_model):
    model = leased(lab_model)
    state = summary(None, model)["state"]
    state["customers"].update({"c{0:02}".format(n): {} for n in range(40)})
    model["customers"] += [{"name": "c{0:02}".format(n)} for n in range(40)]
    lines = render(summary(state, model), "applied", max_rows=4)
    assert lines[-1] == "Unchanged: alice, bob, c00, c01, … and 38 more"
