#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""smtp_server.py - a real SMTP server (aiosmtpd) on loopback for the
delivery tests.  Binds 127.0.0.1 port 0, prints the port on the first line
of stdout, and saves each accepted message to DIR as NNNNNN.eml with a few
trace headers prepended:

    X-Test-Rcpt: <envelope recipient>
    X-Test-Ehlo: <EHLO name the client sent>
    X-Test-TLS: yes|no
    X-Test-Auth: <login>|-
    X-Test-Mail-From: <envelope sender>

Options:
    --dir DIR              where messages go (required)
    --cert FILE --key FILE certificate for STARTTLS / implicit TLS
    --starttls             offer STARTTLS (needs --cert/--key)
    --smtps                implicit TLS on connect (needs --cert/--key)
    --auth USER:PASS       offer AUTH PLAIN/LOGIN and require it
    --size N               announce and enforce SIZE N
    --faults               recipients pick a fault by their local part:
        temp421*  -> 421 4.4.2 at RCPT (and the server closes)
        temp451*  -> 451 4.3.0 at RCPT
        unknown*  -> 550 5.1.1 user unknown at RCPT
        reject*   -> 550 5.7.1 rejected by policy at RCPT
        drop*     -> the connection is dropped after DATA, before the reply
        stall*    -> never answer RCPT (the client must time out)
        slow*     -> answer DATA after 4 seconds (a session that holds
                     its claim longer than a test's lease)
        flaky*    -> 451 the first time this address is seen, then accept
    --delay-ms N           sleep N ms before accepting each message (makes
                           sends slow enough to be killed mid-run)
    --no-plain             offer AUTH LOGIN only (not PLAIN)
    --no-pipelining        do not announce PIPELINING (RFC 2920); by
                           default it is announced (aiosmtpd reads commands
                           in order, so pipelined clients work)
"""
import argparse
import asyncio
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, args):
        self.dir = args.dir
        self.faults = args.faults
        self.delay = args.delay_ms / 1000.0
        self.count = 0
        self.seen = set()
        self.pipelining = not args.no_pipelining
        # continue numbering after files already there (server restarts)
        for name in os.listdir(self.dir):
            if name.endswith(".eml"):
                self.count = max(self.count, int(name[:-4]))

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(len(responses) - 1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, options):
        local = address.split("@", 1)[0].lower()
        if self.faults:
            if local.startswith("temp421"):
                return "421 4.4.2 too busy, closing"
            if local.startswith("temp451"):
                return "451 4.3.0 try again later"
            if local.startswith("unknown"):
                return "550 5.1.1 <%s>: user unknown" % address
            if local.startswith("reject"):
                return "550 5.7.1 rejected by policy"
            if local.startswith("stall"):
                await asyncio.sleep(3600)
            if local.startswith("flaky") and address not in self.seen:
                self.seen.add(address)
                return "451 4.7.1 greylisted, come back later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.faults and any(
            r.split("@", 1)[0].lower().startswith("drop") for r in envelope.rcpt_tos
        ):
            server.transport.close()
            return "451 4.4.2 dropped"
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.faults and any(
            r.split("@", 1)[0].lower().startswith("slow") for r in envelope.rcpt_tos
        ):
            await asyncio.sleep(4)
        login = getattr(session, "test_login", "-")
        trace = (
            "X-Test-Rcpt: %s\r\nX-Test-Ehlo: %s\r\nX-Test-TLS: %s\r\n"
            "X-Test-Auth: %s\r\nX-Test-Mail-From: %s\r\n"
            % (
                ",".join(envelope.rcpt_tos),
                session.host_name,
                "yes"
                if session.ssl is not None
                or server.transport.get_extra_info("sslcontext") is not None
                else "no",
                login,
                envelope.mail_from,
            )
        ).encode()
        self.count += 1
        name = "%06d.eml" % self.count
        tmp = os.path.join(self.dir, "." + name)
        with open(tmp, "wb") as f:
            f.write(trace)
            f.write(envelope.original_content)
        os.rename(tmp, os.path.join(self.dir, name))
        return "250 2.0.0 Ok: queued as %s" % name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--starttls", action="store_true")
    ap.add_argument("--smtps", action="store_true")
    ap.add_argument("--auth")
    ap.add_argument("--size", type=int, default=33554432)
    ap.add_argument("--faults", action="store_true")
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--no-pipelining", action="store_true")
    ap.add_argument("--no-plain", action="store_true")
    args = ap.parse_args()

    ctx = None
    if args.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
    handler = Handler(args)

    user = password = None
    if args.auth:
        user, password = args.auth.split(":", 1)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        if ok:
            session.test_login = user
        return AuthResult(success=ok, handled=False)

    def factory():
        return SMTP(
            handler,
            hostname="test.invalid",
            data_size_limit=args.size,
            tls_context=ctx if args.starttls else None,
            require_starttls=False,
            auth_required=bool(args.auth),
            # aiosmtpd 1.4 only counts STARTTLS as TLS; with implicit TLS
            # the whole connection is encrypted already
            auth_require_tls=not args.smtps,
            authenticator=authenticator if args.auth else None,
            auth_exclude_mechanism=["PLAIN"] if args.no_plain else None,
            timeout=30,
        )

    async def run():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            factory, "127.0.0.1", 0, ssl=ctx if args.smtps else None
        )
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        await server.serve_forever()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
