"""HAProxy layout from forward-table rows, and map texts for the runtime API.

Pure functions: no I/O. The filter `haproxy_maps` and the module `haproxy_map`
are thin wrappers over them.

Routing lives in map files (name -> backend), one per listening socket, so
adding a name to an existing backend is a map change the runtime API can apply
without reloading. Backends stay in the config: one per row, named after the
row id, so a new VM is a seamless reload.
"""

import ipaddress
import re

ROUTINGS = ("host", "sni", "port")
_SAFE = re.compile(r"[^A-Za-z0-9_.:-]")


def backend_name(row_id):
    """A HAProxy-safe, stable backend name for a row id such as alice-web/https/tcp/443."""
    return _SAFE.sub("_", row_id.replace("/", "_"))


def _frontend_key(row):
    return (row["listen_ipv4"], int(row["listen_port"]))


def haproxy_layout(rows, allowed_prefixes=(), no_sni_row=""):
    """Turn haproxy_sni rows into {frontends, backends, maps, ssh}.

    frontends: one per (listen_ipv4, listen_port), sorted by port then address.
      host/sni ones name a map file; port ones, and the "data" ones that
      carry an FTPS row's passive range, name their single backend.
    backends: one per row (mode http for host rows, tcp otherwise).
    maps: {file name: [[match name, backend], ...]} sorted, lower-cased names.
    map_texts: {file name: the map file's text}, the one form the files and the
      runtime API share (map_text).
    ssh: [{vm, customer, listen, port}] so the role can print each VM's port.
    Raises ValueError on rows that would make an open proxy or an ambiguous socket.
    """
    prefixes = [ipaddress.ip_network(p) for p in allowed_prefixes]
    frontends = {}
    backends = []
    maps = {}
    ssh = []
    no_sni_found = not no_sni_row
    for row in sorted(rows, key=lambda r: r["id"]):
        routing = row["routing"]
        if routing not in ROUTINGS:
            raise ValueError(f"row {row['id']}: routing '{routing}' is not served by haproxy_sni (host, sni or port)")
        backend = _backend(row, prefixes)
        backends.append(backend)
        name = backend["name"]
        frontend = _frontend(row, frontends)
        key = _frontend_key(row)
        if row.get("data_ports"):
            _add_data_ports(row, ipaddress.ip_address(row["backend_ipv6"]), name, frontends, backends)
        if routing == "port":
            if "backend" in frontend:
                raise ValueError(f"row {row['id']}: port {key[1]} is already the SSH port of another VM")
            frontend["backend"] = name
            ssh.append({"vm": row["vm"], "customer": row["customer"], "listen": key[0], "port": key[1]})
            continue
        _add_to_map(row, frontend, name, maps)
        if row["id"] == no_sni_row:
            if routing != "sni":
                raise ValueError(f"no-SNI default {no_sni_row} is a {routing} row; it must be an sni row")
            frontend["no_sni_backend"] = name
            no_sni_found = True
    if not no_sni_found:
        raise ValueError(f"no-SNI default {no_sni_row} is not a row served by haproxy_sni")
    sorted_maps = {f: sorted([k, v] for k, v in e.items()) for f, e in sorted(maps.items())}
    return {
        "frontends": [frontends[k] for k in sorted(frontends, key=lambda k: (k[1], k[0]))],
        "backends": backends,
        "maps": sorted_maps,
        "map_texts": {f: map_text(entries) for f, entries in sorted_maps.items()},
        "ssh": ssh,
    }


def _frontend(row, frontends):
    """The frontend of the row's socket, made on first use; one socket routes one way."""
    key, routing = _frontend_key(row), row["routing"]
    frontend = frontends.setdefault(key, {
        "name": f"{routing}_{key[0]}_{key[1]}",
        "routing": routing,
        "bind": f"{key[0]}:{key[1]}",
        "port": key[1],
    })
    if frontend["routing"] != routing:
        raise ValueError(
            f"row {row['id']}: {key[0]}:{key[1]} already routes by {frontend['routing']}; "
            f"one socket cannot also route by {routing}"
        )
    return frontend


def _backend(row, prefixes):
    """The row's backend; refuses one outside the customer prefixes (an open proxy)."""
    address = ipaddress.ip_address(row["backend_ipv6"])
    if prefixes and not any(address in p for p in prefixes):
        raise ValueError(
            f"row {row['id']}: backend {address} is outside the customer prefixes "
            f"{', '.join(str(p) for p in prefixes)}; refusing to proxy to it"
        )
    return {
        "name": backend_name(row["id"]),
        "id": row["id"],
        "customer": row["customer"],
        "mode": "http" if row["routing"] == "host" else "tcp",
        "server": f"[{address.compressed}]:{int(row['backend_port'])}",
        "proxy_protocol": bool(row.get("proxy_protocol")),
    }


def _add_to_map(row, frontend, name, maps):
    """Route the row's names on its frontend's map file to its backend."""
    key = _frontend_key(row)
    map_file = f"{row['routing']}_{key[0]}_{key[1]}.map"
    frontend["map"] = map_file
    entries = maps.setdefault(map_file, {})
    for match in row["match"]:
        match = match.lower().rstrip(".")
        if entries.get(match, name) != name:
            raise ValueError(f"row {row['id']}: name {match} on port {key[1]} already routes to {entries[match]}")
        entries[match] = name


def _add_data_ports(row, address, name, frontends, backends):
    """FTPS passive data: the gateway listens on the VM's range and forwards each
    connection to the same port on the VM (a server without a port keeps the
    destination port), so the VM's EPSV answers work through the gateway."""
    first, last = (int(p) for p in row["data_ports"])
    key = (row["listen_ipv4"], first)
    if key in frontends:
        raise ValueError(f"row {row['id']}: data ports {first}-{last} start on a port the gateway already listens on")
    backends.append({
        "name": name + "_data", "id": row["id"] + " data", "customer": row["customer"], "mode": "tcp",
        "server": f"[{address.compressed}]", "proxy_protocol": False,
    })
    frontends[key] = {
        "name": f"data_{key[0]}_{first}_{last}", "routing": "data",
        "bind": f"{key[0]}:{first}-{last}", "port": first, "backend": name + "_data",
    }


def map_text(entries):
    """The file form of a map: one `key value` line each, sorted."""
    return "".join(f"{key} {value}\n" for key, value in sorted(entries))


def parse_map_text(text):
    """{key: value} from a map file (comments and blank lines ignored)."""
    entries = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        entries[key] = value.strip()
    return entries


def parse_show_map(text):
    """{key: value} from the runtime API's `show map <map>` answer (`0xID key value` lines)."""
    entries = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].startswith("0x"):
            entries[parts[1]] = " ".join(parts[2:])
    return entries


def parse_prepared_version(text):
    """The version number from `prepare map`'s `New version created: N`."""
    match = re.search(r"New version created:\s*(\d+)", text)
    if not match:
        raise ValueError(f"unexpected answer to 'prepare map': {text.strip()!r}")
    return int(match.group(1))


def replace_commands(map_name, entries, version, chunk_bytes=8000):
    """Runtime API commands that atomically replace a map's contents with `entries`.

    `prepare map` opens an empty next version, payloads fill it, and
    `commit map` swaps it in at once, so no lookup sees a half-written map.
    A CLI payload must fit HAProxy's buffer (tune.bufsize, 16 kB by default),
    so the entries go in chunks of at most `chunk_bytes`.
    """
    commands = []
    chunk = ""
    for key, value in sorted(entries.items()):
        line = f"{key} {value}\n"
        if chunk and len(chunk) + len(line) > chunk_bytes:
            commands.append(f"add map @{version} {map_name} <<\n{chunk}\n")
            chunk = ""
        chunk += line
    if chunk:
        commands.append(f"add map @{version} {map_name} <<\n{chunk}\n")
    commands.append(f"commit map @{version} {map_name}\n")
    return commands
