"""The SMTP receiver (aiosmtpd): `python -m webapp.inbound.smtp [--host H] [--port N]`, started by `make run` on
INBOUND_SMTP_PORT; in production it sits behind the domain's MX or a relay that checks SPF and DKIM (README:
Email-in).

RCPT for an address that isn't an active email-in address is refused (550); a message larger than MAX_UPLOAD_MB
is refused (552, and recorded for the business's admins); 250 is said only once the message is in the document
store and its rows are committed. Any failure of our own is a 451 (try again later): the sending server keeps the
message and retries, so nothing is lost and nothing stops the receiver."""
import argparse
import asyncio
import functools
import logging
import signal
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from webapp import create_app, logs
from webapp.db import database
from webapp.inbound import receiving

log = logging.getLogger(__name__)
IDENT = "Docket email-in"


class Handler:
    """aiosmtpd's handler: each database or store call runs in a thread, inside the app's context."""

    def __init__(self, app):
        self.app = app

    def _call(self, func, *args, **kwargs):
        with self.app.app_context(), database.connection_context():
            return func(*args, **kwargs)

    async def _in_thread(self, func, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(self._call, func, *args, **kwargs))

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        try:
            known = await self._in_thread(receiving.resolve_all, [address])
        except Exception:
            log.exception("email-in RCPT check failed")
            return "451 4.3.0 Temporary failure: try again later"
        if not known:
            log.info("email-in refused recipient=%s reason=unknown_address", address[:254])
            return "550 5.1.1 No such Docket address"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or b""
        try:
            received = await self._in_thread(receiving.receive, raw, envelope.rcpt_tos, channel="smtp",
                                             mail_from=envelope.mail_from or "")
        except receiving.TooLarge:
            return "552 5.3.4 Message too large"
        except receiving.NoAddress:  # retired between RCPT and the end of DATA
            return "550 5.1.1 No such Docket address"
        except Exception:
            log.exception("email-in couldn't store a message")
            return "451 4.3.0 Temporary failure: try again later"
        return f"250 2.0.0 Stored as {', '.join(map(str, received.message_ids))}"

    def record_too_large(self, envelope, size_hint: int) -> None:
        """aiosmtpd refuses a message over the limit itself (552, unread); the business's admins see it was."""
        targets = receiving.resolve_all(envelope.rcpt_tos)
        if targets:
            receiving.refuse(targets, channel="smtp", mail_from=envelope.mail_from or "", size=size_hint,
                             reason=receiving.too_large_reason())


class Receiver(SMTP):
    """aiosmtpd's SMTP session, which also records the messages it refuses for their size."""

    async def push(self, status: str):
        if status.startswith("552 Error: Too much mail data") and self.envelope and self.envelope.rcpt_tos:
            try:
                await self.event_handler._in_thread(self.event_handler.record_too_large, self.envelope,
                                                    self.data_size_limit)
            except Exception:
                log.exception("email-in couldn't record a refused message")
        await super().push(status)


class ReceiverController(Controller):
    def factory(self):
        return Receiver(self.handler, **self.SMTP_kwargs)


def start(app, host: str, port: int) -> Controller:
    """Start the receiver in a thread of this process; stop() it when done."""
    controller = ReceiverController(Handler(app), hostname=host, port=port,
                                    data_size_limit=app.config["MAX_CONTENT_LENGTH"], ident=IDENT,
                                    decode_data=False)
    controller.start()
    return controller


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run Docket's email-in SMTP receiver.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None, help="default: INBOUND_SMTP_PORT (8025)")
    args = parser.parse_args(argv)
    logs.configure()
    app = create_app({"DATABASE_POOL_SIZE": 0})
    port = args.port or app.config["INBOUND_SMTP_PORT"]
    controller = start(app, args.host, port)
    log.info("email-in SMTP receiver listening on %s:%s for *@%s", args.host, port, app.config["INBOUND_EMAIL_DOMAIN"])
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main()
