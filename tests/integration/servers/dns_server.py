#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""dns_server.py - a small authoritative DNS server (dnspython, Debian
python3-dnspython) on loopback for the check-dns test.  Binds UDP
127.0.0.1 port 0, prints the port on the first line of stdout, and
answers from a zone file whose names are all absolute (several domains
and reverse names in one file):

    dns_server.py ZONEFILE [--log FILE]

An existing name without the type asked gets NOERROR and no answer;
a name not in the file gets NXDOMAIN.  Answers are never truncated (the
client asks with EDNS).  --log appends each question ("NAME TYPE").
The zone file is read again for every query, so a test can change it.
"""
import argparse
import socket
import sys

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.zone


def load(path):
    with open(path) as f:
        return dns.zone.from_text(f.read(), origin=dns.name.root,
                                  relativize=False, check_origin=False)


def answer(zone, wire):
    q = dns.message.from_wire(wire)
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA
    question = q.question[0]
    node = zone.get_node(question.name)
    if node is None:
        r.set_rcode(dns.rcode.NXDOMAIN)
    else:
        rds = node.get_rdataset(dns.rdataclass.IN, question.rdtype)
        if rds is not None:
            rrset = r.find_rrset(r.answer, question.name, dns.rdataclass.IN,
                                 question.rdtype, create=True)
            rrset.update(rds)
    return q, r.to_wire(max_size=65535)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("zone")
    ap.add_argument("--log")
    a = ap.parse_args()
    load(a.zone)  # fail at start on a bad file
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1], flush=True)
    while True:
        wire, peer = s.recvfrom(65535)
        try:
            q, out = answer(load(a.zone), wire)
        except Exception as e:  # a bad query: no answer, keep serving
            print("dns_server: %s" % e, file=sys.stderr, flush=True)
            continue
        if a.log:
            with open(a.log, "a") as f:
                f.write("%s %s\n" % (q.question[0].name,
                                     dns.rdatatype.to_text(q.question[0].rdtype)))
        s.sendto(out, peer)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
