"""Messages to members (the store's message outbox), opt-outs, e-mail addresses and the
sending rules.

A message is queued in the store in the operation that decides it (a campaign, a recall),
then sent when possible by :func:`dispatch`, which runs outside the counter's way:

* **SMS** goes through head office: the store never holds an SMS provider's credentials.
  Dispatch hands the message over as an outbox event (``message.sms``) in one operation; the
  ordinary sync push carries it, head office sends it with its provider and
  :func:`refresh_sms_status` reads back what became of it.
* **E-mail** goes out from the store over SMTP (:class:`SmtpConfig`, a store setting).
* **Export** messages are written to XLSX/CSV for WeChat or manual sending.

Only members with marketing consent (授权同意, ``marketing``) who have not opted out of the
channel receive anything; both are checked when a message is queued and again just before
it is sent, and head office keeps the SMS opt-outs too. No message is sent in the store's
quiet hours, and per-day caps (per store and per member) hold messages for the next day.
Sending is at-least-once: an e-mail whose "sent" could not be recorded (a crash just after
the SMTP server took it) may go again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from salondesk.clock import to_db
from salondesk.domain import engagement as rules
from salondesk.domain.consent import Purpose
from salondesk.domain.member_search import mask_phone
from salondesk.domain.permissions import Permission, Role
from salondesk.errors import NotFound, ValidationError
from salondesk.i18n import N_, _
from salondesk.ids import OpId, new_id, new_op_id
from salondesk.services import ledger_settings, reports, takings
from salondesk.services import settings as settings_service
from salondesk.services.context import Actor, Ctx
from salondesk.services.member_records import consent_in
from salondesk.services.members import may_see_phone
from salondesk.services.unit_of_work import Tx, require, run_operation
from salondesk.store.schema import Member, MemberContact, Message, MessageOptOut, Setting

log = logging.getLogger(__name__)

SENDING_SETTING = "engagement.sending"
SMTP_SETTING = "engagement.smtp"
SMS_EVENT = "message.sms"
OPT_OUT_EVENT = "message.opt_out"
MAX_ATTEMPTS = 5
#: message states
QUEUED, HANDED, SENT, FAILED, CANCELLED, EXPORTED = (
    "queued", "handed", "sent", "failed", "cancelled", "exported")
STATUS_LABELS = {QUEUED: N_("Queued"), HANDED: N_("With head office"), SENT: N_("Sent"),
                 FAILED: N_("Failed"), CANCELLED: N_("Cancelled"), EXPORTED: N_("Exported")}
#: why a member cannot receive a message on a channel
NO_CONSENT, OPTED_OUT, NO_ADDRESS, INACTIVE = "no_consent", "opted_out", "no_address", "inactive"
_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']{1,190}\.[A-Za-z]{2,24}$")

#: who the background sender acts as in the audit log
SENDER_ACTOR = Actor(staff_id="system:messages", name="messages", role=Role.OWNER,
                     permissions=frozenset(Permission), is_staff=False)


def reason_text(reason: str) -> str:
    """Why a member was left out, in words."""
    return {NO_CONSENT: _("No marketing consent"), OPTED_OUT: _("Opted out"),
            NO_ADDRESS: _("No address for this channel"),
            INACTIVE: _("Member not active")}.get(reason, reason)


def status_text(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))


# --- settings ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SmtpConfig:
    """The store's outgoing mail server. ``security``: ``none``, ``starttls`` or ``ssl``."""

    host: str
    sender: str
    port: int = 25
    security: str = "none"
    username: str = ""
    password: str = ""
    sender_name: str = ""

    @classmethod
    def from_setting(cls, value: object) -> SmtpConfig | None:
        if not isinstance(value, dict) or not value.get("host"):
            return None
        return cls(**{k: v for k, v in value.items() if k in cls.__dataclass_fields__})

    def to_setting(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def check(self) -> SmtpConfig:
        if not self.host.strip() or not 0 < self.port < 65536:
            raise ValidationError(_("Enter the mail server's name and port."))
        if not _EMAIL.match(self.sender.strip()):
            raise ValidationError(_("Enter the sender's e-mail address."))
        if self.security not in ("none", "starttls", "ssl"):
            raise ValidationError(_("Unknown mail server security."))
        return self


def _setting(session: Session, key: str) -> Any:
    row = session.get(Setting, key)
    return json.loads(row.value) if row else None


def sending_rules(session: Session) -> rules.SendingRules:
    try:
        return rules.SendingRules.from_setting(_setting(session, SENDING_SETTING))
    except (TypeError, ValueError):
        log.warning("engagement sending rules are not valid; using the defaults")
        return rules.SendingRules()


def smtp_config(session: Session) -> SmtpConfig | None:
    try:
        return SmtpConfig.from_setting(_setting(session, SMTP_SETTING))
    except TypeError:
        return None


def configure(ctx: Ctx, *, sending: rules.SendingRules | None = None,
              smtp: SmtpConfig | None = None, clear_smtp: bool = False, op_id: OpId) -> None:
    """Set the quiet hours and daily caps, and the mail server (its password stays in the
    encrypted store; the audit row names only what changed)."""
    if sending is not None:
        rules.SendingRules.from_setting(sending.to_setting())  # range check
    if smtp is not None:
        smtp.check()

    def body(tx: Tx) -> None:
        changed = []
        if sending is not None:
            settings_service.put(tx, SENDING_SETTING, sending.to_setting())
            changed.append(SENDING_SETTING)
        if smtp is not None or clear_smtp:
            settings_service.put(tx, SMTP_SETTING, smtp.to_setting() if smtp else None)
            changed.append(SMTP_SETTING)
        tx.audit(target_type="setting", detail={"keys": changed})

    run_operation(ctx, "engagement.settings", body, op_id=op_id)


# --- contacts and reachability -------------------------------------------------------------------

def clean_email(address: str) -> str:
    """An e-mail address as kept ("" for none); raises ValidationError with the reason."""
    address = address.strip()
    if address and not _EMAIL.match(address):
        raise ValidationError(_("“{address}” is not an e-mail address.").format(
            address=address))
    return address


def mask_email(address: str | None) -> str | None:
    """``anna.li@example.cn`` -> ``a***@example.cn`` (for roles that see phones masked)."""
    if not address or "@" not in address:
        return address
    local, domain = address.split("@", 1)
    return f"{local[:1]}***@{domain}"


def set_email(ctx: Ctx, member_id: str, address: str, *, op_id: OpId) -> None:
    """Record (or, with an empty address, remove) a member's e-mail address."""
    address = clean_email(address)

    def body(tx: Tx) -> None:
        if tx.session.get(Member, member_id) is None:
            raise NotFound(_("No such member."))
        row = tx.session.get(MemberContact, (member_id, "email"))
        if not address:
            if row is not None:
                tx.session.delete(row)
        elif row is None:
            tx.session.add(MemberContact(member_id=member_id, kind="email", address=address,
                                         updated_at=to_db(tx.now), op_id=tx.op_id))
        else:
            row.address, row.updated_at, row.op_id = address, to_db(tx.now), tx.op_id
        tx.audit(target_type="member", target_id=member_id, detail={"contact": "email"})
        tx.emit("member.contact", {"member_id": member_id, "kind": "email",
                                   "present": bool(address)})

    run_operation(ctx, "member.contact", body, op_id=op_id)


def email_of(session: Session, member_id: str) -> str | None:
    row = session.get(MemberContact, (member_id, "email"))
    return row.address if row else None


def is_opted_out(session: Session, member_id: str, channel: str) -> bool:
    events = session.execute(
        select(MessageOptOut.channel, MessageOptOut.action)
        .where(MessageOptOut.member_id == member_id)
        .order_by(MessageOptOut.at, MessageOptOut.id)).all()
    return rules.opted_out([(str(c), str(a)) for c, a in events], channel)


@dataclass(frozen=True)
class Reach:
    """How a member may be reached with marketing messages, as the member file shows it."""

    email: str | None            # masked unless the viewer may see phone numbers
    email_masked: bool
    consent: bool                # marketing consent on file
    opted_out: dict[str, bool]   # per channel (sms, email, export)


def reach(ctx: Ctx, member_id: str) -> Reach:
    """A member's e-mail address, marketing consent and opt-outs per channel (for the member
    file; everyone signed in may look, like the file itself)."""
    require(ctx, "member.search")
    with ctx.db.read() as s:
        if s.get(Member, member_id) is None:
            raise NotFound(_("No such member."))
        address = email_of(s, member_id)
        show = may_see_phone(ctx)
        return Reach(email=address if show else mask_email(address),
                     email_masked=not show and address is not None,
                     consent=consent_in(s, member_id, Purpose.MARKETING),
                     opted_out={c: is_opted_out(s, member_id, c) for c in rules.CHANNELS})


def address_for(member: Member, channel: str, email: str | None) -> str:
    if channel == "sms":
        return member.phone or ""
    if channel == "email":
        return email or ""
    return member.phone or ""


def why_not(session: Session, member: Member, channel: str) -> str | None:
    """None if the member may get a marketing message on ``channel``, else the reason."""
    if not member.active or member.merged_into or member.erased_at:
        return INACTIVE
    if not consent_in(session, member.id, Purpose.MARKETING):
        return NO_CONSENT
    if is_opted_out(session, member.id, channel):
        return OPTED_OUT
    if channel != "export" and not address_for(member, channel, email_of(session, member.id)):
        return NO_ADDRESS
    return None


def phone_digest(phone: str) -> str:
    """What head office keeps of an opted-out phone number (it matches, never reads it)."""
    return hashlib.sha256(phone.strip().encode()).hexdigest()


def record_opt_out(ctx: Ctx, member_id: str, *, channel: str = "all", opted_out: bool = True,
                   source: str = "member", op_id: OpId) -> int:
    """Record that a member opts out of (or back into) marketing messages on ``channel``
    (``all``, ``sms``, ``email``, ``export`` for WeChat or by hand). Their queued messages on
    it are cancelled at once, and head office learns an SMS opt-out with the next push.
    Returns the messages cancelled."""
    if channel not in rules.OPT_OUT_CHANNELS:
        raise ValidationError(_("Unknown channel."))
    if source not in ("member", "reply", "staff", "unsubscribe"):
        raise ValidationError(_("Unknown source of the opt-out."))

    def body(tx: Tx) -> int:
        member = tx.session.get(Member, member_id)
        if member is None:
            raise NotFound(_("No such member."))
        tx.session.add(MessageOptOut(
            id=new_id(), member_id=member_id, channel=channel,
            action="out" if opted_out else "in", source=source, at=to_db(tx.now),
            staff_id=tx.staff_id, op_id=tx.op_id))
        tx.session.flush()
        cancelled = 0
        if opted_out:
            channels = ["sms", "email", "export"] if channel == "all" else [channel]
            cancelled = tx.session.connection().execute(
                update(Message).where(Message.member_id == member_id,
                                      Message.status == QUEUED,
                                      Message.channel.in_(channels))
                .values(status=CANCELLED, reason=OPTED_OUT, done_at=to_db(tx.now))
            ).rowcount or 0
        tx.audit(target_type="member", target_id=member_id,
                 detail={"channel": channel, "opted_out": opted_out, "cancelled": cancelled})
        if channel in ("all", "sms") and member.phone:
            tx.emit(OPT_OUT_EVENT, {"phone_sha256": phone_digest(member.phone),
                                    "opted_out": opted_out})
        return int(cancelled)

    return run_operation(ctx, "message.opt_out", body, op_id=op_id)


# --- queueing -----------------------------------------------------------------------------------

def queue(tx: Tx, member: Member, *, channel: str, body: str, subject: str = "",
          campaign_id: str | None = None) -> str:
    """Put one message in the outbox inside the caller's operation; returns its id."""
    if channel not in rules.CHANNELS:
        raise ValidationError(_("Unknown channel."))
    message_id = new_id()
    tx.session.add(Message(
        id=message_id, campaign_id=campaign_id, member_id=member.id, channel=channel,
        address=address_for(member, channel, email_of(tx.session, member.id))[:128],
        subject=subject[:128], body=body, status=QUEUED, attempts=0,
        queued_at=to_db(tx.now), op_id=tx.op_id))
    return message_id


def store_values(session: Session) -> dict[str, str]:
    """The store's own merge fields."""
    def get(key: str) -> str:
        value = _setting(session, key)
        return value if isinstance(value, str) else ""

    return {"store_phone": get("store.phone"), "store_name": get("store.name")}


def member_values(session: Session, member: Member, today: dt.date) -> dict[str, str]:
    """A member's merge fields: name, stored value balance (yuan), package sessions left
    and the earliest expiry of a package that still has sessions."""
    from salondesk.services import packages
    from salondesk.store.schema import PkgInstance

    cur = session.connection().exec_driver_sql
    balance = cur("SELECT coalesce(sum(e.principal_fen + e.bonus_fen), 0) FROM sv_entry e "
                  "JOIN sv_account a ON a.id = e.account_id WHERE a.member_id = ?",
                  (member.id,)).scalar() or 0
    sessions, expiry = 0, None
    for inst in session.scalars(select(PkgInstance).where(PkgInstance.member_id == member.id)):
        left = sum(n for n, _v in packages.remaining(session, inst.id).values())
        ends = packages.expires_on(session, inst)
        if left <= 0 or (ends is not None and ends < today):
            continue
        sessions += left
        if ends is not None and (expiry is None or ends < expiry):
            expiry = ends
    return {"name": member.name, "balance": rules.yuan(int(balance)),
            "sessions": str(sessions), "expiry": expiry.isoformat() if expiry else ""}


def compose(session: Session, member: Member, channel: str, template: str, *, today: dt.date,
            extra: dict[str, str] | None = None) -> str:
    """The finished text for one member (with the SMS signature and unsubscribe line)."""
    values = {**store_values(session), **member_values(session, member, today), **(extra or {})}
    try:
        text = rules.render(template, values)
    except rules.TemplateProblem as exc:
        raise ValidationError(exc.message) from None
    return rules.sms_text(text, values["store_name"]) if channel == "sms" else text


def queue_message(ctx: Ctx, member_id: str, *, channel: str, template: str, subject: str = "",
                  extra: dict[str, str] | None = None, op_id: OpId) -> str:
    """Queue one message to one member (the recall list's "message" action). Refused with
    the reason when the member may not receive it."""
    def body(tx: Tx) -> str:
        member = tx.session.get(Member, member_id)
        if member is None:
            raise NotFound(_("No such member."))
        reason = why_not(tx.session, member, channel)
        if reason is not None:
            raise ValidationError(_("This member cannot be sent a message: {reason}.").format(
                reason=reason_text(reason)))
        today = ledger_settings.business_date(tx.session, tx.now)
        text = compose(tx.session, member, channel, template, today=today, extra=extra)
        message_id = queue(tx, member, channel=channel, body=text, subject=subject)
        tx.audit(target_type="message", target_id=message_id, detail={"channel": channel})
        return message_id

    return run_operation(ctx, "message.queue", body, op_id=op_id)


# --- dispatch -----------------------------------------------------------------------------------

@dataclass
class DispatchResult:
    handed: int = 0      # SMS handed to head office
    sent: int = 0        # e-mails the SMTP server took
    cancelled: int = 0   # consent withdrawn or opted out since they were queued
    deferred: int = 0    # over a daily cap: tomorrow
    failed: int = 0
    quiet: bool = False  # quiet hours: nothing sent
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Queued:
    id: str
    member_id: str
    channel: str
    address: str
    subject: str
    body: str


EmailSender = Callable[[SmtpConfig, Sequence[tuple[str, str, str, str]]], dict[str, str | None]]


def send_emails(config: SmtpConfig, mails: Sequence[tuple[str, str, str, str]],
                ) -> dict[str, str | None]:
    """Send (message id, to, subject, body) over one SMTP connection. Returns per message id
    None (taken by the server) or the reason it was refused; raises OSError /
    smtplib.SMTPException when the server cannot be used at all."""
    outcome: dict[str, str | None] = {}
    if config.security == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=20,
                                                context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(config.host, config.port, timeout=20)
    with server:
        if config.security == "starttls":
            server.starttls(context=ssl.create_default_context())
        if config.username:
            server.login(config.username, config.password)
        for message_id, to, subject, body in mails:
            mail = EmailMessage()
            mail["From"] = formataddr((config.sender_name, config.sender)) \
                if config.sender_name else config.sender
            mail["To"] = to
            mail["Subject"] = subject
            mail["Message-ID"] = f"<{message_id}@salondesk>"
            mail.set_content(body, charset="utf-8")
            try:
                server.send_message(mail)
                outcome[message_id] = None
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                    smtplib.SMTPSenderRefused) as exc:
                outcome[message_id] = type(exc).__name__
    return outcome


def _day_window(session: Session, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    today = ledger_settings.business_date(session, now)
    return (takings.local_midnight(session, today),
            takings.local_midnight(session, today + dt.timedelta(days=1)))


def _sent_today(session: Session, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    rows = session.execute(select(Message.member_id, func.count()).where(
        Message.status.in_([HANDED, SENT]), Message.done_at >= start, Message.done_at < end)
        .group_by(Message.member_id)).all()
    return {str(m): int(n) for m, n in rows}


def _timezone(session: Session) -> str:
    return str(ledger_settings.get(session, ledger_settings.TIMEZONE))


def _finish(ctx: Ctx, message_id: str, status: str, *, reason: str | None = None,
            attempt: bool = False, emit: dict[str, Any] | None = None) -> bool:
    """Move one queued message on in an operation of its own; False if it was no longer
    queued (someone else finished it)."""
    def body(tx: Tx) -> bool:
        msg = tx.session.get(Message, message_id)
        if msg is None or msg.status != QUEUED:
            return False
        if attempt:
            msg.attempts += 1
        msg.status, msg.reason = status, reason
        if status != QUEUED:
            msg.done_at = to_db(tx.now)
        tx.audit(target_type="message", target_id=message_id,
                 detail={"status": status, "channel": msg.channel})
        if emit is not None:
            tx.emit(SMS_EVENT, {**emit, "message_id": message_id})
        return True

    return run_operation(ctx.as_actor(SENDER_ACTOR), "message.dispatch", body,
                         op_id=new_op_id())


def dispatch(ctx: Ctx, *, email_sender: EmailSender = send_emails,
             limit: int = 500) -> DispatchResult:
    """Send what may go now: hand SMS to head office (outbox) and e-mail over SMTP.

    Nothing goes in the quiet hours; the daily caps leave the rest queued for tomorrow;
    a member who withdrew consent or opted out since has the message cancelled."""
    result = DispatchResult()
    now = ctx.clock.now()
    with ctx.db.read() as s:
        sending = sending_rules(s)
        local = takings.local_time(s, to_db(now))
        if rules.in_quiet_hours(local.time(), sending.quiet_start, sending.quiet_end):
            result.quiet = True
            return result
        start, end = _day_window(s, now)
        per_member = _sent_today(s, start, end)
        room = max(0, sending.store_per_day - sum(per_member.values()))
        queued = [_Queued(m.id, m.member_id, m.channel, m.address, m.subject, m.body)
                  for m in s.scalars(select(Message).where(
                      Message.status == QUEUED, Message.channel.in_(["sms", "email"]))
                      .order_by(Message.queued_at, Message.id).limit(limit))]
        members = {m.id: m for m in s.scalars(select(Member).where(
            Member.id.in_({q.member_id for q in queued})))}
        blocked = {q.id: why_not(s, members[q.member_id], q.channel) for q in queued}
        smtp = smtp_config(s)
        zone = _timezone(s)
    mails: list[tuple[str, str, str, str]] = []
    for msg in queued:
        reason = blocked[msg.id]
        if reason is not None:
            result.cancelled += _finish(ctx, msg.id, CANCELLED, reason=reason)
            continue
        if room <= 0 or per_member.get(msg.member_id, 0) >= sending.member_per_day:
            result.deferred += 1
            continue
        if msg.channel == "email":
            if smtp is None:
                result.deferred += 1
                if not result.errors:
                    result.errors.append(_("No mail server is set up for e-mail."))
                continue
            mails.append((msg.id, msg.address, msg.subject, msg.body))
        elif _finish(ctx, msg.id, HANDED, emit={
                "to": msg.address, "text": msg.body, "timezone": zone,
                "quiet_start": sending.quiet_start, "quiet_end": sending.quiet_end}):
            result.handed += 1
        room -= 1
        per_member[msg.member_id] = per_member.get(msg.member_id, 0) + 1
    if mails and smtp is not None:
        _send_mail_batch(ctx, smtp, mails, email_sender, result)
    return result


def _send_mail_batch(ctx: Ctx, smtp: SmtpConfig, mails: list[tuple[str, str, str, str]],
                     sender: EmailSender, result: DispatchResult) -> None:
    try:
        outcome = sender(smtp, mails)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail server unusable: %s", type(exc).__name__)
        result.errors.append(_("The mail server cannot be reached: {reason}").format(
            reason=type(exc).__name__))
        for message_id, *_rest in mails:  # count the attempt; give up after MAX_ATTEMPTS
            _attempt_failed(ctx, message_id, type(exc).__name__, result)
        return
    for message_id, refused in outcome.items():
        if refused is None:
            result.sent += _finish(ctx, message_id, SENT, attempt=True)
        else:
            result.failed += _finish(ctx, message_id, FAILED, reason=refused, attempt=True)


def _attempt_failed(ctx: Ctx, message_id: str, reason: str, result: DispatchResult) -> None:
    with ctx.db.read() as s:
        msg = s.get(Message, message_id)
        attempts = msg.attempts if msg else MAX_ATTEMPTS
    if attempts + 1 >= MAX_ATTEMPTS:
        result.failed += _finish(ctx, message_id, FAILED, reason=reason, attempt=True)
    else:
        _finish(ctx, message_id, QUEUED, reason=reason, attempt=True)


def refresh_sms_status(ctx: Ctx, *, client: Any = None) -> dict[str, int]:
    """Ask head office what became of the SMS handed to it; returns counts by new status."""
    from salondesk.sync.link import load_link

    with ctx.db.read() as s:
        ids = list(s.scalars(select(Message.id).where(
            Message.status == HANDED, Message.channel == "sms").limit(500)))
    if not ids:
        return {}
    own = client is None
    ho = client or load_link(ctx).client()
    try:
        answer = ho.message_status(ids)
    finally:
        if own:
            ho.close()
    changed: dict[str, int] = {}
    final = {m: (st, err) for m, st, err in
             ((str(r.get("message_id")), r.get("status"), r.get("error")) for r in answer)
             if st in (SENT, FAILED) and m in ids}
    if not final:
        return {}

    def body(tx: Tx) -> dict[str, int]:
        for message_id, (status, error) in final.items():
            msg = tx.session.get(Message, message_id)
            if msg is None or msg.status != HANDED:
                continue
            msg.status = status
            msg.reason = str(error)[:200] if error else None
            msg.done_at = to_db(tx.now)
            changed[status] = changed.get(status, 0) + 1
        tx.audit(target_type="message", detail=dict(changed))
        return changed

    return run_operation(ctx.as_actor(SENDER_ACTOR), "message.dispatch", body,
                         op_id=new_op_id())


# --- export (WeChat / manual) ----------------------------------------------------------------

def export_queued(ctx: Ctx, dest: Path, *, campaign_id: str | None = None,
                  op_id: OpId | None = None) -> int:
    """Write the queued export messages (member no., name, phone, message) to XLSX/CSV for
    sending by WeChat or by hand, and mark them exported. Members who opted out or withdrew
    consent since are left out and their messages cancelled. Returns the rows written."""
    op_id = op_id or new_op_id()
    require(ctx, "message.export", op_id=op_id)
    show_phone = ctx.actor is not None and ctx.actor.can(Permission.MEMBER_VIEW_PHONE)
    with ctx.db.read() as s:
        stmt = select(Message, Member).join(Member, Member.id == Message.member_id).where(
            Message.status == QUEUED, Message.channel == "export")
        if campaign_id:
            stmt = stmt.where(Message.campaign_id == campaign_id)
        found = s.execute(stmt.order_by(Member.member_no)).all()
        rows, ids, dropped = [], [], []
        for msg, member in found:
            if why_not(s, member, "export") is not None:
                dropped.append(msg.id)
                continue
            ids.append(msg.id)
            phone = member.phone or ""
            rows.append([member.member_no, member.name,
                         phone if show_phone else (mask_phone(phone) or ""), msg.body])
    for message_id in dropped:
        _finish(ctx, message_id, CANCELLED, reason=OPTED_OUT)
    if not rows:
        raise ValidationError(_("There are no messages to export."))
    table = reports.Table(title=_("Messages to send"),
                          headers=[_("Member no."), _("Name"), _("Phone"), _("Message")],
                          rows=rows)
    written = reports.export_table(ctx, table, dest)

    def body(tx: Tx) -> int:
        done = tx.session.connection().execute(update(Message).where(
            Message.id.in_(ids), Message.status == QUEUED)
            .values(status=EXPORTED, done_at=to_db(tx.now))).rowcount or 0
        tx.audit(target_type="message", detail={"exported": int(done)})
        return int(done)

    run_operation(ctx, "message.export", body, op_id=op_id)
    return written


@dataclass(frozen=True)
class MessageRow:
    message_id: str
    member_no: int
    name: str
    channel: str
    status: str
    reason: str
    body: str
    queued_at: dt.datetime


def messages(ctx: Ctx, *, campaign_id: str | None = None, limit: int = 500) -> list[MessageRow]:
    """The newest messages (of one campaign), for the screen."""
    with ctx.db.read() as s:
        stmt = select(Message, Member.member_no, Member.name).join(
            Member, Member.id == Message.member_id)
        if campaign_id:
            stmt = stmt.where(Message.campaign_id == campaign_id)
        return [MessageRow(m.id, int(no), str(name), m.channel, m.status,
                           reason_text(m.reason) if m.reason else "", m.body, m.queued_at)
                for m, no, name in s.execute(
                    stmt.order_by(Message.queued_at.desc()).limit(limit))]


# --- merges and erasure (services/member_merge.py calls these) -------------------------------

def _merge_contacts(tx: Tx, survivor_id: str, dup_id: str) -> int:
    """The survivor keeps their own e-mail; the duplicate's is taken only if they have none."""
    conn = tx.session.connection()
    conn.execute(delete(MemberContact).where(
        MemberContact.member_id == dup_id, MemberContact.kind.in_(
            select(MemberContact.kind).where(MemberContact.member_id == survivor_id))))
    return int(conn.execute(update(MemberContact).where(MemberContact.member_id == dup_id)
                            .values(member_id=survivor_id)).rowcount or 0)


def _merge_recipients(tx: Tx, survivor_id: str, dup_id: str) -> int:
    """A campaign that reached both keeps the survivor's row (one recipient per member)."""
    from salondesk.store.schema import CampaignRecipient

    conn = tx.session.connection()
    conn.execute(delete(CampaignRecipient).where(
        CampaignRecipient.member_id == dup_id, CampaignRecipient.campaign_id.in_(
            select(CampaignRecipient.campaign_id).where(
                CampaignRecipient.member_id == survivor_id))))
    return int(conn.execute(update(CampaignRecipient).where(
        CampaignRecipient.member_id == dup_id).values(member_id=survivor_id)).rowcount or 0)


def erase_messages(tx: Tx, member_id: str) -> None:
    """An erasure request: drop the member's e-mail address, cancel what is queued, and
    clear the address and text of every message to them (who got a campaign stays)."""
    conn = tx.session.connection()
    conn.execute(delete(MemberContact).where(MemberContact.member_id == member_id))
    conn.execute(update(Message).where(Message.member_id == member_id,
                                       Message.status == QUEUED)
                 .values(status=CANCELLED, reason=INACTIVE, done_at=to_db(tx.now)))
    conn.execute(update(Message).where(Message.member_id == member_id)
                 .values(address="", subject="", body=""))


def _register() -> None:
    from salondesk.services.member_merge import register_merge_handler

    register_merge_handler("member_contact", "member_id", _merge_contacts)
    register_merge_handler("campaign_recipient", "member_id", _merge_recipients)


_register()


def current_settings(ctx: Ctx) -> tuple[rules.SendingRules, SmtpConfig | None]:
    """The quiet hours and caps, and the mail server (for the settings dialog)."""
    with ctx.db.read() as s:
        return sending_rules(s), smtp_config(s)
