"""E-mail notifications over SMTP: one message per notification, in the delegate's language.

A message has a plain-text part and an HTML part (``multipart/alternative``), both in
the language of the delegate's account, right to left where that language is (the
HTML part's ``dir``; the plain part's lines start with a right-to-left mark). Like every
notification it carries no content of the act: the act's kind, the case's number and a
link. Its ``Message-ID`` is derived from the notification's id, so a message sent again
after a crash is recognisably the same one.
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from markupsafe import escape

from truce.notify.delivery import Message, Outcome
from truce.web import i18n
from truce.web.i18n import N_

#: The kinds' names, as the web shows them (the same catalogue entries).
KINDS = {
    "case.lodge": N_("Allegation lodged"),
    "case.respond": N_("Counter-claim"),  # a plain response: RESPONSE
    "case.request_info": N_("Request for information"),
    "case.rule": N_("Ruling"),
    "case.appeal": N_("Appeal"),
    "case.penalty": N_("Penalty"),
    "case.refer": N_("Referred to the principals"),
    "case.lapse": N_("Deadline passed"),
    "case.extend": N_("Deadline extended"),
    "joint.request": N_("Request for joint action"),
    "joint.extend": N_("Leave to report late"),
    "joint.report": N_("Report on joint action"),
    "report.publish": N_("Report awaiting approval"),
    "report.approve": N_("Report published"),
    "deadline.reminder": N_("A deadline is near"),
    "witness.lapse": N_("A member's witness has stopped cosigning the log"),
    "witness.report": N_("A witness reports a split view or an inconsistent log"),
}
#: A response that lodges no case of its own (its subject is the case it answers).
RESPONSE = N_("Response")
REASONS = {
    "action": N_("Something awaits your member's action."),
    "outcome": N_("For your information."),
}
NO_CONTENT = N_("This notice carries nothing of the act itself: sign in to read it.")
RLM = "\u200f"


def compose(message: Message, sender: str, to: str) -> EmailMessage:
    """The e-mail of ``message`` to the address ``to``."""
    language = i18n.known(message.language) or i18n.DEFAULT
    rtl = i18n.LANGUAGES[language].rtl
    with i18n.speaking(language):
        title = _title(message)
        lines = [
            title,
            i18n.gettext(REASONS[message.reason]),
            message.link,
            i18n.gettext(NO_CONTENT),
        ]
        if message.due_at is not None:
            lines[1] += f" {i18n.gettext('Deadline')}: {i18n.format_moment(message.due_at)}"
    email = EmailMessage()
    email["Subject"] = title
    email["From"] = sender
    email["To"] = to
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = f"<{message.id}@{sender.rpartition('@')[2] or 'truce'}>"
    mark = RLM if rtl else ""
    email.set_content("\n\n".join(mark + line for line in lines) + "\n")
    direction = "rtl" if rtl else "ltr"
    html = (
        f'<!doctype html><html lang="{language}" dir="{direction}"><body>'
        f"<h1>{escape(lines[0])}</h1><p>{escape(lines[1])}</p>"
        f'<p><a href="{escape(message.link)}">{escape(message.link)}</a></p>'
        f"<p>{escape(lines[3])}</p></body></html>"
    )
    email.add_alternative(html, subtype="html")
    email["Content-Language"] = language  # after the parts: setting them clears Content-*
    return email


DIGEST = N_("Daily digest")


def compose_digest(messages: list[Message], sender: str, to: str, now: datetime) -> EmailMessage:
    """One e-mail of every notification a delegate's digest holds, oldest first."""
    language = i18n.known(messages[0].language) or i18n.DEFAULT
    rtl = i18n.LANGUAGES[language].rtl
    with i18n.speaking(language):
        title = f"{i18n.gettext(DIGEST)} · {len(messages)}"
        items = [(_title(message), message.link) for message in messages]
        footer = i18n.gettext(NO_CONTENT)
    email = EmailMessage()
    email["Subject"] = title
    email["From"] = sender
    email["To"] = to
    email["Date"] = format_datetime(now)
    email["Message-ID"] = f"<digest-{messages[-1].id}@{sender.rpartition('@')[2] or 'truce'}>"
    mark = RLM if rtl else ""
    lines = [title, *(f"{name}\n{url}" for name, url in items), footer]
    email.set_content("\n\n".join(mark + line for line in lines) + "\n")
    direction = "rtl" if rtl else "ltr"
    entries = "".join(
        f'<li>{escape(name)}: <a href="{escape(url)}">{escape(url)}</a></li>' for name, url in items
    )
    email.add_alternative(
        f'<!doctype html><html lang="{language}" dir="{direction}"><body>'
        f"<h1>{escape(title)}</h1><ul>{entries}</ul><p>{escape(footer)}</p></body></html>",
        subtype="html",
    )
    email["Content-Language"] = language
    return email


def _title(message: Message) -> str:
    """A notification's title in the current language: its kind, and its case's number."""
    kind = i18n.gettext(KINDS.get(message.kind, message.kind))
    if message.kind == "case.respond" and message.act_idx != message.subject_idx:
        kind = i18n.gettext(RESPONSE)
    if message.kind.startswith("witness."):
        return f"{kind} · {message.subject}"  # the member whose witness it is
    if message.number is None:
        return kind
    return f"{kind} · {i18n.gettext('Case %(number)s') % {'number': message.number}}"


class EmailChannel:
    """Sends notifications by SMTP (one connection per message: they are few)."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        security: str = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout
        self.context = context or ssl.create_default_context()

    def send(self, message: Message, target: str, now: datetime) -> Outcome:
        """Send ``message`` to the address ``target``; a 5xx refusal is final."""
        del now  # the message is dated by its act
        return self.send_email(compose(message, self.sender, target))

    def send_email(self, email: EmailMessage) -> Outcome:
        """Send a composed message; a 5xx refusal is final."""
        try:
            with self._connect() as smtp:
                if self.username and self.password is not None:
                    smtp.login(self.username, self.password)
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            final = all(code >= 500 for code in codes)
            return Outcome(final=final, status_code=codes[0], detail=f"refused: {exc}"[:500])
        except smtplib.SMTPResponseException as exc:
            return Outcome(
                final=exc.smtp_code >= 500,
                status_code=exc.smtp_code,
                detail=f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:500],
            )
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome(detail=f"{type(exc).__name__}: {exc}"[:500])
        return Outcome(delivered=True, status_code=250, detail="accepted by the SMTP server")

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.context
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            smtp.starttls(context=self.context)
        return smtp
