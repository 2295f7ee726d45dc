"""A real SMTP server for muster's tests (aiosmtpd), on loopback: it keeps every message it
accepts as a JSON file in a directory, and answers some recipients the way real servers
answer when things go wrong.

    smtp_sink.py --dir DIR [--port N] [--delay SECONDS] [--tls starttls|implicit] [--auth USER:PASS]

Prints "listening on PORT" once it accepts connections. With `--tls`, it makes a certificate
authority of its own (trustme), writes it to DIR/ca.pem, and serves `localhost` with a
certificate it signed: STARTTLS required before anything else, or TLS from the first byte
(`implicit`, as on port 465). With `--auth`, it accepts mail only after AUTH with that user
and password (PLAIN or LOGIN), over TLS. By the recipient's local part:
- `bounce…@`: 550 at RCPT TO, as for a mailbox that does not exist (a permanent failure);
- `laterN…@` (`later3.ana@`): 451 at RCPT TO for its first N attempts, then accepted, as a
  greylisting server does (a temporary failure).
`--delay` waits that long before accepting each message's data (a slow server, to stop muster
in the middle of sending). `--refuse-sender` answers every MAIL FROM with 553, as a relay does
to a From address it does not allow.
"""

import argparse
import asyncio
import collections
import itertools
import json
import logging
import os
import re
import signal
import ssl
import sys
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

LATER = re.compile(r"^later(\d+)")


class Sink:
    def __init__(self, directory, delay, refuse_sender):
        self.directory = directory
        self.delay = delay
        self.refuse_sender = refuse_sender
        self.attempts = collections.Counter()
        self.sequence = itertools.count(1)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_sender:
            return "553 5.7.1 <%s>: Sender address rejected: not owned by user" % address
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("bounce"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        later = LATER.match(local)
        if later:
            self.attempts[address] += 1
            if self.attempts[address] <= int(later.group(1)):
                return "451 4.7.1 <%s>: Recipient address rejected: Greylisted, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        number = next(self.sequence)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
        }
        path = os.path.join(self.directory, "%06d.json" % number)
        with open(path + ".tmp", "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.replace(path + ".tmp", path)
        return "250 2.0.0 Ok: queued as %d" % number


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--tls", choices=["starttls", "implicit"])
    parser.add_argument("--auth")
    parser.add_argument("--refuse-sender", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    port = args.port
    if port == 0:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    # Blocked before the server's thread starts (it inherits the mask), then waited for.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    options = {}
    if args.tls:
        import trustme

        authority = trustme.CA()
        authority.cert_pem.write_to_path(os.path.join(args.dir, "ca.pem"))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("localhost", "127.0.0.1").configure_cert(context)
        if args.tls == "starttls":
            options.update(tls_context=context, require_starttls=True)
        else:
            options.update(ssl_context=context)
    if args.auth:
        user, password = args.auth.encode().split(b":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            # handled=False: aiosmtpd answers a failure itself (535), as real servers do.
            return AuthResult(success=auth_data.login == user and auth_data.password == password, handled=False)

        # Over implicit TLS every byte is encrypted already (aiosmtpd only tracks STARTTLS, and
        # warns about what it cannot see).
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        options.update(authenticator=authenticator, auth_required=True, auth_require_tls=args.tls == "starttls")
    controller = Controller(Sink(args.dir, args.delay, args.refuse_sender), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print("listening on %d" % port, flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    sys.exit(main())
