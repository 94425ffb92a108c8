"""The tests' real SMTP submission server: aiosmtpd (from PyPI, in the venv `make venv-test`
makes) on 127.0.0.1, requiring AUTH (PLAIN or LOGIN) without TLS, as a loopback-only server
may. Each message it takes is saved in DIR as NNNN.eml (the bytes received) with NNNN.json
(the envelope). Faults are files in DIR, read on every command: `tempfail` answers 451 to
MAIL FROM; `refuse` lists recipients (one a line) answered 550 at RCPT TO.

    python smtp_server.py --port N --dir DIR --user U --password P
prints READY once it listens. Started and stopped by tests/servers/src/mail.rs.
"""

import argparse
import asyncio
import json
import os

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def login_of(session):
    data = getattr(session, "auth_data", None)
    if isinstance(data, LoginPassword):
        return data.login.decode()
    return None


class Handler:
    def __init__(self, folder):
        self.folder = folder
        self.count = len([n for n in os.listdir(folder) if n.endswith(".eml")])

    def _fault(self, name):
        return os.path.exists(os.path.join(self.folder, name))

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self._fault("tempfail"):
            return "451 4.3.0 Try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        path = os.path.join(self.folder, "refuse")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                if address.lower() in [l.strip().lower() for l in f if l.strip()]:
                    return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = os.path.join(self.folder, "%04d" % self.count)
        with open(stem + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(stem + ".json", "w", encoding="utf-8") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "login": login_of(session)}, f)
        return "250 2.0.0 Ok: queued as Q%04d" % self.count


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    a = p.parse_args()
    user, password = a.user.encode(), a.password.encode()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == user and auth_data.password == password
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    handler = Handler(a.dir)

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(handler, authenticator=authenticator, auth_required=True, auth_require_tls=False,
                         enable_SMTPUTF8=True, decode_data=False, hostname="smtp.test"),
            "127.0.0.1", a.port)
        print("READY", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
