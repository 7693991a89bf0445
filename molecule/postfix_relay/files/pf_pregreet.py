#!/usr/bin/python3
"""Talk before the SMTP banner, as spambots do, then try to deliver; print every reply."""
import socket
import sys

source, server, rcpt = sys.argv[1], sys.argv[2], sys.argv[3]
with socket.create_connection((server, 25), timeout=30, source_address=(source, 0)) as sock:
    sock.sendall(b"EHLO early.example\r\n")
    f = sock.makefile("rb")
    for command in (b"MAIL FROM:<bot@example.org>\r\n", b"RCPT TO:<" + rcpt.encode() + b">\r\n", b"QUIT\r\n"):
        sock.sendall(command)
    for line in f:
        print(line.decode().rstrip())
