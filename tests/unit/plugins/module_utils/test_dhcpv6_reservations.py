"""kea_reservations: the LAN's VMs become Kea reservations; clashes and strays are named."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.filter.kea_reservations import FilterModule
from ansible_collections.v6only.gateway.plugins.module_utils._dhcpv6_reservations import kea_reservations

LAN = "2001:db8:108::/64"


def vm(name, ipv6, duid=None, mac=None, customer="alice"):
    return {"customer": customer, "name": name, "ipv6": ipv6, "duid": duid, "mac": mac}


def test_duid_and_mac_each_reserve_the_vm_address_duid_first():
    got = kea_reservations([vm("web", "2001:db8:108::10", "00:03:00:01:02:00:00:00:01:10", "02:00:00:00:01:10")], LAN)
    assert got == [
        {"duid": "00:03:00:01:02:00:00:00:01:10", "ip-addresses": ["2001:db8:108::10"], "hostname": "web"},
        {"hw-address": "02:00:00:00:01:10", "ip-addresses": ["2001:db8:108::10"], "hostname": "web"},
    ]


def test_vms_on_other_lans_and_without_identity_are_left_out():
    vms = [vm("far", "2001:db8:109::10", "00:03:00:01:02:00:00:00:01:11"), vm("slaac", "2001:db8:108::12"),
           vm("near", "2001:db8:108:0::13", mac="02:00:00:00:01:13")]
    assert kea_reservations(vms, LAN) == [{"hw-address": "02:00:00:00:01:13", "ip-addresses": ["2001:db8:108::13"], "hostname": "near"}]


def test_identities_are_normalised_and_output_sorted_by_address():
    vms = [vm("b", "2001:db8:108::20", mac="02:00:00:00:01:AB"), vm("a", "2001:db8:108::3", mac="02:00:00:00:01:cd")]
    got = kea_reservations(vms, LAN)
    assert [r["hw-address"] for r in got] == ["02:00:00:00:01:ab", "02:00:00:00:01:cd"]


def test_extra_reservation_outside_the_lan_is_rejected_by_name():
    with pytest.raises(ValueError, match=r"reservation 'resolver', field 'ipv6': 2001:db8:53::53 is outside the LAN prefix 2001:db8:108::/64"):
        kea_reservations([], LAN, [{"name": "resolver", "ipv6": "2001:db8:53::53", "mac": "02:00:00:00:00:53"}])


def test_extra_reservation_inside_the_lan_is_kept():
    got = kea_reservations([], LAN, [{"name": "resolver", "ipv6": "2001:db8:108::53", "duid": "00:03:00:01:02:00:00:00:00:53"}])
    assert got == [{"duid": "00:03:00:01:02:00:00:00:00:53", "ip-addresses": ["2001:db8:108::53"], "hostname": "resolver"}]


def test_duplicate_duid_names_both_vms():
    vms = [vm("one", "2001:db8:108::1", "00:03:00:01:02:00:00:00:00:01"),
           vm("two", "2001:db8:108::2", "00:03:00:01:02:00:00:00:00:01", customer="bob")]
    with pytest.raises(ValueError) as error:
        kea_reservations(vms, LAN)
    assert str(error.value) == ("customer 'bob', vm 'two', field 'duid': 00:03:00:01:02:00:00:00:00:01 is already reserved for "
                                "customer 'alice', vm 'one'. Fix: give every VM its own DUID.")


def test_duplicate_address_between_a_vm_and_an_extra_reservation():
    with pytest.raises(ValueError, match=r"reservation 'printer', field 'ipv6': 2001:db8:108::1 is already reserved for customer 'alice', vm 'one'"):
        kea_reservations([vm("one", "2001:db8:108::1", mac="02:00:00:00:00:01")], LAN,
                         [{"name": "printer", "ipv6": "2001:db8:108:0:0::1", "mac": "02:00:00:00:00:02"}])


def test_every_problem_is_reported_at_once():
    vms = [vm("one", "2001:db8:108::1", mac="02:00:00:00:00:01"), vm("two", "2001:db8:108::2", mac="02:00:00:00:00:01")]
    extra = [{"name": "x", "ipv6": "2001:db8:1::1", "mac": "02:00:00:00:00:09"}, {"name": "y", "ipv6": "2001:db8:108::9", "duid": "zz"}]
    with pytest.raises(ValueError) as error:
        kea_reservations(vms, LAN, extra)
    lines = str(error.value).splitlines()
    assert len(lines) == 3
    assert any("reservation 'x'" in line and "outside the LAN prefix" in line for line in lines)
    assert any("reservation 'y', field 'duid': 'zz' is not a valid DUID" in line for line in lines)
    assert any("vm 'two', field 'mac'" in line for line in lines)


def test_filter_wraps_errors_and_passes_results():
    kea = FilterModule().filters()["kea_reservations"]
    assert kea([vm("web", "2001:db8:108::10", mac="02:00:00:00:01:10")], LAN)[0]["hw-address"] == "02:00:00:00:01:10"
    with pytest.raises(AnsibleFilterError, match="^kea_reservations: "):
        kea([], LAN, [{"name": "x", "ipv6": "2001:db8:1::1", "mac": "02:00:00:00:00:09"}])
