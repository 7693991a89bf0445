#!/usr/bin/python3
"""TLS line-echo client for the haproxy_sni scenario.

once HOST PORT SNI CAFILE: one round trip; prints the peer CN and the echo.
hold HOST PORT SNI CAFILE FLAG: one round trip, then keeps the same connection
  open until FLAG exists, does a second round trip on it and prints both.
"""
import socket
import ssl
import sys
import time


def main(mode, host, port, sni, cafile, flag=None):
    context = ssl.create_default_context(cafile=cafile)
    with context.wrap_socket(socket.create_connection((host, int(port)), timeout=10), server_hostname=sni) as conn:
        conn.settimeout(None)
        cn = dict(item[0] for item in conn.getpeercert()["subject"])["commonName"]
        reader = conn.makefile("rb")

        def echo(word):
            conn.sendall(word.encode() + b"\n")
            return reader.readline().decode().strip()

        print(f"cn={cn} first={echo('first')}", flush=True)
        if mode == "hold":
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                try:
                    open(flag, encoding="ascii").close()
                    break
                except OSError:
                    time.sleep(0.2)
            print(f"second={echo('second')}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
