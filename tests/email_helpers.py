"""Email-in test helpers: messages built with the standard library, addresses as the inbox page shows them, the
SMTP receiver on a free port, and the `inbound` queue's jobs run as its worker would."""
import re
import socket
from contextlib import contextmanager
from email.message import EmailMessage

from tests.items_helpers import _ReadingWorker
from webapp.inbound import smtp
from webapp.queues import INBOUND
from webapp.redis_conn import get_redis

ADDRESS = re.compile(r'<code class="email-address">([^<]+)</code>')


def address_of(client, business_id: int, workspace: str = "costs") -> str:
    """The address the inbox page tells people to forward to."""
    page = client.get(f"/b/{business_id}/inbox/{workspace}")
    return ADDRESS.search(page.text).group(1)


def message(to: str, *, sender="bills@supplier.test", subject="Your bill", text="Please find attached.",
            html: str | None = None, attachments=()) -> EmailMessage:
    """`attachments`: (filename, bytes, maintype, subtype) each."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Date"] = "Fri, 04 Dec 2026 09:30:00 +0000"
    mail.set_content(text)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    for name, data, maintype, subtype in attachments:
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return mail


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def receiver(app):
    """The SMTP receiver, as `python -m webapp.inbound.smtp` runs it, on a free port of this machine."""
    port = free_port()
    controller = smtp.start(app, "127.0.0.1", port)
    try:
        yield port
    finally:
        controller.stop()


def process_email(app) -> None:
    """Run the `inbound` queue's jobs (then the readings they queue are left for read_documents)."""
    with app.app_context():
        _ReadingWorker([INBOUND], connection=get_redis()).work(burst=True)


def post_message(app, business_id: int, workspace: str = "costs", **fields) -> int:
    """A message for the business's inbox posted to the signed HTTP hook, as a mail provider does; its id."""
    from webapp.inbound import addresses, hook
    from webapp.inbound.models import InboundMessage

    with app.app_context():
        raw = message(addresses.shown(business_id, workspace), **fields).as_bytes()
        signature = hook.sign(raw, app.config["INBOUND_EMAIL_SECRET"])
    response = app.test_client().post("/inbound/email", data=raw, headers={"X-Docket-Signature": signature})
    assert response.status_code == 200, response.text
    return InboundMessage.select().where(InboundMessage.business == business_id).order_by(
        InboundMessage.id.desc()).first().id
