"""A finished message: MIME multipart text and HTML, with the headers mail clients act on.

Python's `email` package builds it. Bodies are 7-bit (quoted-printable or base64), so any SMTP
server takes the bytes as they are. `List-Unsubscribe` with `List-Unsubscribe-Post` is RFC 8058
one-click unsubscription: the client POSTs to the link, no page to read.
"""
from __future__ import annotations

from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from metadata.mail_text import Mail, render_html, render_text

POLICY = policy.SMTP.clone(cte_type="7bit")


def new_message_id(domain: str) -> str:
    """Return a fresh, globally unique Message-ID for the portal's domain."""
    return make_msgid(domain=domain or "otkrito.invalid")


def build(mail: Mail, *, sender: str, to: str, message_id: str, unsubscribe_url: str | None,
          now: datetime) -> str:
    """Return the whole message as text, ready for SMTP."""
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    if unsubscribe_url:  # a subscriber's message; a staff reminder has no list to leave
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(render_text(mail))
    message.add_alternative(render_html(mail), subtype="html")
    # After the parts: making the message multipart moves Content-* headers into its first part.
    message["Content-Language"] = mail.lang
    return message.as_string()
