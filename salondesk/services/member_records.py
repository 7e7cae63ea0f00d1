"""Consent, health data, photos and treatment records: the sensitive part of a member file.

Rules (PIPL, DESIGN.md §5 Records and consent):

* Consent is an append-only event per purpose (grant or withdraw) naming the text version
  and its hash and the staff witness; a member under 14 needs a guardian's consent.
* Health fields (skin type, allergies, contraindications) are saved only with a current
  ``health`` consent; photos only with a ``photos`` consent. Treatment records with a skin
  reaction or a medical service need the ``health`` consent.
* Opening health data, records or photos needs ``member.view_health`` and is audited
  *before* anything is read, so even a failed read leaves a trace.
* Treatment records are append-only: a correction is a new record naming the one it
  corrects; the history shows the newest version of each record.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salondesk.clock import from_db, to_db
from salondesk.domain.consent import TEXTS, Purpose, needs_guardian
from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.services.context import Ctx
from salondesk.services.members import get_for_update, touch_visit
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store.schema import (
    Member,
    MemberConsent,
    MemberPhoto,
    ServiceItem,
    Staff,
    TreatmentRecord,
)

GRANT, WITHDRAW = "grant", "withdraw"
PHOTO_KINDS = ("before", "after", "other")
MAX_PHOTO_BYTES = 15 * 1024 * 1024
PHOTO_MAX_SIDE = 2400
THUMB_SIDE = 240
MAX_TEXT = 2000
MEDICAL_RETENTION_YEARS = 15  # outpatient medical records (医疗机构病历管理规定)


# --- consent ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConsentState:
    purpose: Purpose
    granted: bool
    version: str | None
    at: dt.datetime | None
    guardian: bool


def consent_in(session: Session, member_id: str, purpose: Purpose) -> bool:
    """Whether the member's newest consent event for ``purpose`` is a grant."""
    action = session.scalar(
        select(MemberConsent.action)
        .where(MemberConsent.member_id == member_id, MemberConsent.purpose == purpose.value)
        .order_by(MemberConsent.at.desc(), MemberConsent.id.desc()).limit(1))
    return action == GRANT


def _require_consent(session: Session, member_id: str, purpose: Purpose) -> None:
    if not consent_in(session, member_id, purpose):
        if purpose is Purpose.PHOTOS:
            raise Conflict(_("The member has not consented to photos; record the consent "
                             "first."))
        raise Conflict(_("The member has not consented to keeping health information; "
                         "record the consent first."))


def write_consent_event(tx: Tx, member: Member, purpose: Purpose, action: str, *,
                        guardian_name: str | None = None,
                        guardian_relation: str | None = None) -> str:
    """Append one consent event inside ``tx`` (the caller audits)."""
    text = TEXTS[purpose]
    guardian = " ".join((guardian_name or "").split()) or None
    if action == GRANT and needs_guardian(member.birthday, tx.now.date()) and not guardian:
        raise ValidationError(_("The member is under 14: a parent or guardian must give the "
                                "consent (enter the guardian's name)."))
    event_id = new_id()
    tx.session.add(MemberConsent(
        id=event_id, member_id=member.id, purpose=purpose.value, action=action,
        text_version=text.version, text_sha256=text.sha256, at=to_db(tx.now),
        witness_id=tx.staff_id, guardian_name=guardian if action == GRANT else None,
        guardian_relation=(guardian_relation or None) if action == GRANT else None,
        op_id=tx.op_id))
    return event_id


def record_consent(ctx: Ctx, member_id: str, purpose: Purpose | str, *, granted: bool,
                   op_id: OpId, guardian_name: str | None = None,
                   guardian_relation: str | None = None) -> str:
    """Record that the member granted (or withdrew) consent for ``purpose``, witnessed by
    the signed-in staff member. Returns the event id."""
    purpose = Purpose(purpose)

    def body(tx: Tx) -> str:
        member = get_for_update(tx, member_id)
        current = consent_in(tx.session, member_id, purpose)
        if not granted and not current:
            raise Conflict(_("There is no consent to withdraw."))
        event_id = write_consent_event(tx, member, purpose, GRANT if granted else WITHDRAW,
                                       guardian_name=guardian_name,
                                       guardian_relation=guardian_relation)
        tx.audit(target_type="member", target_id=member_id,
                 detail={"purpose": purpose.value, "action": GRANT if granted else WITHDRAW,
                         "version": TEXTS[purpose].version})
        tx.emit("member.consent", {"member_id": member_id, "purpose": purpose.value,
                                   "granted": granted, "version": TEXTS[purpose].version})
        return event_id

    return run_operation(ctx, "member.consent", body, op_id=op_id)


def consents(ctx: Ctx, member_id: str) -> list[ConsentState]:
    """The current state of every purpose for a member (not personal data: no audit)."""
    from salondesk.services.unit_of_work import require

    require(ctx, "member.search")
    with ctx.db.read() as s:
        states = []
        for purpose in Purpose:
            row = s.execute(select(MemberConsent).where(
                MemberConsent.member_id == member_id, MemberConsent.purpose == purpose.value)
                .order_by(MemberConsent.at.desc(), MemberConsent.id.desc()).limit(1)).scalar()
            states.append(ConsentState(
                purpose=purpose, granted=bool(row and row.action == GRANT),
                version=row.text_version if row else None,
                at=from_db(row.at) if row else None,
                guardian=bool(row and row.guardian_name)))
        return states


# --- health fields ---------------------------------------------------------------------------

def _text(value: str | None, what: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise ValidationError(_("{what} can have at most {n} characters.").format(
            what=what, n=MAX_TEXT))
    return value


def update_health(ctx: Ctx, member_id: str, *, op_id: OpId, skin_type: str | None = None,
                  allergies: str | None = None, contraindications: str | None = None) -> None:
    """Save skin type, allergies and contraindications (needs the ``health`` consent).

    Arguments left at None stay as they are; an empty string clears a field.
    """
    def body(tx: Tx) -> None:
        member = get_for_update(tx, member_id)
        _require_consent(tx.session, member_id, Purpose.HEALTH)
        changed = []
        if skin_type is not None:
            member.skin_type = _text(skin_type, _("Skin type"))[:32] or None
            changed.append("skin_type")
        if allergies is not None:
            member.allergies = _text(allergies, _("Allergies"))
            changed.append("allergies")
        if contraindications is not None:
            member.contraindications = _text(contraindications, _("Contraindications"))
            changed.append("contraindications")
        member.updated_at = to_db(tx.now)
        tx.audit(target_type="member", target_id=member_id, detail={"fields": changed})
        tx.emit("member.health_updated", {"member_id": member_id, "fields": changed})

    run_operation(ctx, "member.health_update", body, op_id=op_id)


# --- photos ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PreparedPhoto:
    content: bytes
    thumbnail: bytes
    width: int
    height: int


def prepare_photo(data: bytes) -> PreparedPhoto:
    """Check that ``data`` is an image; return it as JPEG (upright, at most 2400 px, without
    EXIF such as the GPS position) and a 240 px thumbnail."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError(_("The photo is larger than 15 MB."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            upright = ImageOps.exif_transpose(img).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("This file is not a photo SalonDesk can read.")) from None
    upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    full = io.BytesIO()
    upright.save(full, "JPEG", quality=88)
    thumb = upright.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    small = io.BytesIO()
    thumb.save(small, "JPEG", quality=80)
    return PreparedPhoto(content=full.getvalue(), thumbnail=small.getvalue(),
                         width=upright.width, height=upright.height)


def _add_photo(tx: Tx, member_id: str, data: bytes, kind: str,
               treatment_id: str | None) -> str:
    if kind not in PHOTO_KINDS:
        raise ValidationError(_("Unknown photo kind."))
    _require_consent(tx.session, member_id, Purpose.PHOTOS)
    photo = prepare_photo(data)
    photo_id = new_id()
    tx.session.add(MemberPhoto(
        id=photo_id, member_id=member_id, treatment_id=treatment_id, kind=kind,
        taken_at=to_db(tx.now), width=photo.width, height=photo.height,
        content=photo.content, thumbnail=photo.thumbnail, created_by=tx.staff_id))
    return photo_id


def add_photo(ctx: Ctx, member_id: str, data: bytes, *, kind: str, op_id: OpId,
              treatment_id: str | None = None) -> str:
    """Store a before/after photo (needs the ``photos`` consent); returns the photo id."""
    def body(tx: Tx) -> str:
        get_for_update(tx, member_id)
        if treatment_id is not None:
            record = tx.session.get(TreatmentRecord, treatment_id)
            if record is None or record.member_id != member_id:
                raise NotFound(_("No such treatment record."))
        photo_id = _add_photo(tx, member_id, data, kind, treatment_id)
        tx.audit(target_type="member_photo", target_id=photo_id,
                 detail={"member_id": member_id, "kind": kind})
        tx.emit("member.photo_added", {"member_id": member_id, "photo_id": photo_id})
        return photo_id

    return run_operation(ctx, "member.photo_add", body, op_id=op_id)


# --- treatment records -----------------------------------------------------------------------

@dataclass(frozen=True)
class TreatmentDraft:
    """One visit's record. ``service_ids`` are menu items; ``products`` are free text."""

    service_ids: tuple[str, ...]
    technician_id: str | None = None
    products: tuple[str, ...] = ()
    skin_reaction: str = ""
    notes: str = ""
    visit_at: dt.datetime | None = None
    photos: tuple[tuple[str, bytes], ...] = field(default=())  # (kind, image bytes)


def add_treatment(ctx: Ctx, member_id: str, draft: TreatmentDraft, *, op_id: OpId,
                  corrects_id: str | None = None) -> str:
    """Append a treatment record (or a correction of ``corrects_id``); returns its id."""
    def body(tx: Tx) -> str:
        get_for_update(tx, member_id)
        if corrects_id is not None:
            old = tx.session.get(TreatmentRecord, corrects_id)
            if old is None or old.member_id != member_id:
                raise NotFound(_("No such treatment record."))
            if tx.session.scalar(select(TreatmentRecord.id).where(
                    TreatmentRecord.corrects_id == corrects_id)):
                raise Conflict(_("This record was already corrected; correct the newest "
                                 "version."))
        if not draft.service_ids:
            raise ValidationError(_("Choose at least one service."))
        services = list(tx.session.execute(select(
            ServiceItem.id, ServiceItem.code, ServiceItem.name, ServiceItem.medical).where(
                ServiceItem.id.in_(draft.service_ids))))
        if len(services) != len(set(draft.service_ids)):
            raise NotFound(_("No such service."))
        if draft.technician_id and tx.session.get(Staff, draft.technician_id) is None:
            raise NotFound(_("No such staff member."))
        medical = any(s.medical for s in services)
        reaction = _text(draft.skin_reaction, _("Skin reaction"))
        if medical or reaction:
            _require_consent(tx.session, member_id, Purpose.HEALTH)
        visit_at = draft.visit_at or tx.now
        record_id = new_id()
        tx.session.add(TreatmentRecord(
            id=record_id, member_id=member_id, visit_at=to_db(visit_at),
            services=json.dumps([{"id": s.id, "code": s.code, "name": s.name,
                                  "medical": s.medical} for s in services],
                                ensure_ascii=False),
            technician_id=draft.technician_id,
            products=json.dumps([p.strip() for p in draft.products if p.strip()],
                                ensure_ascii=False),
            skin_reaction=reaction, notes=_text(draft.notes, _("Notes")), medical=medical,
            retain_until=(visit_at.date().replace(year=visit_at.year + MEDICAL_RETENTION_YEARS)
                          if medical else None),
            corrects_id=corrects_id, created_at=to_db(tx.now), created_by=tx.staff_id))
        tx.session.flush()
        photo_ids = [_add_photo(tx, member_id, data, kind, record_id)
                     for kind, data in draft.photos]
        touch_visit(tx, member_id)
        tx.audit(target_type="treatment_record", target_id=record_id,
                 detail={"member_id": member_id, "corrects": corrects_id,
                         "photos": len(photo_ids)})
        tx.emit("member.treatment_recorded", {"member_id": member_id, "record_id": record_id,
                                              "corrects_id": corrects_id})
        return record_id

    return run_operation(ctx, "member.treatment_add", body, op_id=op_id)


# --- audited views ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PhotoInfo:
    photo_id: str
    kind: str
    taken_at: dt.datetime
    treatment_id: str | None
    thumbnail: bytes | None


@dataclass(frozen=True)
class TreatmentView:
    record_id: str
    visit_at: dt.datetime
    services: list[dict[str, Any]]
    technician_id: str | None
    products: list[str]
    skin_reaction: str
    notes: str
    medical: bool
    corrects_id: str | None
    erased: bool


@dataclass(frozen=True)
class HealthView:
    member_id: str
    skin_type: str | None
    allergies: str
    contraindications: str
    treatments: list[TreatmentView]
    photos: list[PhotoInfo]


def _audited_view(ctx: Ctx, action: str, *, target_type: str, target_id: str,
                  detail: dict[str, Any], op_id: OpId) -> None:
    def body(tx: Tx) -> dict[str, Any]:
        tx.audit(target_type=target_type, target_id=target_id, detail=detail)
        return {}

    run_operation(ctx, action, body, op_id=op_id)


def current_treatments(session: Session, member_id: str) -> list[TreatmentView]:
    """The newest version of each treatment record, newest visit first."""
    rows = list(session.scalars(select(TreatmentRecord).where(
        TreatmentRecord.member_id == member_id)))
    corrected = {r.corrects_id for r in rows if r.corrects_id}
    current = [r for r in rows if r.id not in corrected]
    current.sort(key=lambda r: (r.visit_at, r.created_at), reverse=True)
    return [TreatmentView(
        record_id=r.id, visit_at=from_db(r.visit_at), services=json.loads(r.services),
        technician_id=r.technician_id, products=json.loads(r.products),
        skin_reaction=r.skin_reaction, notes=r.notes, medical=r.medical,
        corrects_id=r.corrects_id, erased=r.erased_at is not None) for r in current]


def open_health(ctx: Ctx, member_id: str, *, op_id: OpId) -> HealthView:
    """Allergies, contraindications, skin type, treatment records and photo thumbnails.

    Needs ``member.view_health``; the opening is audited before anything is read.
    """
    _audited_view(ctx, "member.view_health", target_type="member", target_id=member_id,
                  detail={}, op_id=op_id)
    with ctx.db.read() as s:
        member = s.get(Member, member_id)
        if member is None:
            raise NotFound(_("No such member."))
        photos = [PhotoInfo(photo_id=p.id, kind=p.kind, taken_at=from_db(p.taken_at),
                            treatment_id=p.treatment_id, thumbnail=p.thumbnail)
                  for p in s.scalars(select(MemberPhoto).where(
                      MemberPhoto.member_id == member_id, MemberPhoto.erased_at.is_(None))
                      .order_by(MemberPhoto.taken_at.desc()))]
        return HealthView(member_id=member_id, skin_type=member.skin_type,
                          allergies=member.allergies,
                          contraindications=member.contraindications,
                          treatments=current_treatments(s, member_id), photos=photos)


def open_photo(ctx: Ctx, photo_id: str, *, op_id: OpId) -> bytes:
    """One photo at full size (JPEG bytes); needs ``member.view_health``; audited."""
    from salondesk.services.unit_of_work import require

    require(ctx, "member.view_photo", op_id=op_id)
    with ctx.db.read() as s:
        member_id = s.scalar(select(MemberPhoto.member_id).where(MemberPhoto.id == photo_id))
    if member_id is None:
        raise NotFound(_("No such photo."))
    _audited_view(ctx, "member.view_photo", target_type="member_photo", target_id=photo_id,
                  detail={"member_id": member_id}, op_id=op_id)
    with ctx.db.read() as s:
        content = s.scalar(select(MemberPhoto.content).where(MemberPhoto.id == photo_id))
    if content is None:
        raise NotFound(_("This photo was erased."))
    return bytes(content)


def treatment_history(ctx: Ctx, member_id: str, *, op_id: OpId) -> list[TreatmentView]:
    """The member's treatment records (newest version of each); audited like health data."""
    return open_health(ctx, member_id, op_id=op_id).treatments

