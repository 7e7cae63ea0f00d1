"""Member tiers: configuration, growth value, automatic moves, manual changes and locks.

The checkout (issue 5) calls :func:`add_growth` inside its own transaction; a refund calls it
with a negative ``delta`` and the same ``ref_id``. Every tier move is written to the
append-only ``member_tier_change`` history.

``member.growth`` is the running total of the member's ``member_growth`` rows (verify
recomputes it). :func:`add_growth` is on the checkout's path, so it is a few driver statements
whose cost does not grow with the member's history; the largest standing single purchase (a
scan of the member's growth rows) is only looked up when a tier above could be reached by it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from salondesk.clock import from_db, to_db
from salondesk.domain.tiers import TierMove, TierReason, TierRule, decide, qualifying_tier, rank_of
from salondesk.errors import NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.services.context import Ctx
from salondesk.services.members import get_for_update
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store import hot_path
from salondesk.store.schema import Member, MemberGrowth, MemberTier, MemberTierChange

MAX_TIERS = 20


@dataclass(frozen=True)
class TierSpec:
    """One tier as the manager configures it. ``discounts`` maps a service category to the
    price multiplier in basis points (8800 = 88折)."""

    code: str
    name: str
    rank: int
    growth_threshold: int = 0
    single_purchase_fen: int | None = None
    points_multiplier_pct: int = 100
    discounts: dict[str, int] = field(default_factory=dict)
    birthday_benefit: str = ""


def _check_specs(specs: Sequence[TierSpec]) -> None:
    if len(specs) > MAX_TIERS:
        raise ValidationError(_("At most {n} tiers.").format(n=MAX_TIERS))
    if len({s.code for s in specs}) != len(specs) or len({s.rank for s in specs}) != len(specs):
        raise ValidationError(_("Each tier needs its own code and rank."))
    for s in specs:
        if not s.code.strip() or not s.name.strip():
            raise ValidationError(_("Each tier needs a code and a name."))
        if s.growth_threshold < 0 or (s.single_purchase_fen is not None
                                      and s.single_purchase_fen <= 0):
            raise ValidationError(_("Tier thresholds cannot be negative."))
        if not 0 < s.points_multiplier_pct <= 1000:
            raise ValidationError(_("The points multiplier must be between 1% and 1000%."))
        if any(not 0 < v <= 10000 for v in s.discounts.values()):
            raise ValidationError(_("A discount is a price multiplier between 1 and 10000 "
                                    "basis points."))


def configure_tiers(ctx: Ctx, specs: Sequence[TierSpec], *, op_id: OpId) -> list[str]:
    """Create or update tiers by code; tiers not listed are retired (members keep them until
    their next move). Returns the tier ids in rank order."""
    _check_specs(specs)

    def body(tx: Tx) -> list[str]:
        existing = {t.code: t for t in tx.session.scalars(select(MemberTier))}
        ids = []
        # Ranks are unique: move every tier out of the way first.
        for tier in existing.values():
            tier.rank = -1000 - tier.rank if tier.rank >= 0 else tier.rank
        tx.session.flush()
        for spec in sorted(specs, key=lambda s: s.rank):
            found = existing.get(spec.code)
            tier = found if found is not None else MemberTier(id=new_id(), code=spec.code)
            if found is None:
                tx.session.add(tier)
            tier.name, tier.rank = spec.name.strip(), spec.rank
            tier.growth_threshold = spec.growth_threshold
            tier.single_purchase_fen = spec.single_purchase_fen
            tier.points_multiplier_pct = spec.points_multiplier_pct
            tier.discounts = json.dumps(spec.discounts, sort_keys=True, ensure_ascii=False)
            tier.birthday_benefit = spec.birthday_benefit
            tier.active = True
            ids.append(tier.id)
        listed = {s.code for s in specs}
        for code, tier in existing.items():
            if code not in listed:
                tier.active = False
        tx.audit(target_type="member_tier", detail={"tiers": sorted(listed)})
        tx.emit("member.tiers_configured", {"tiers": sorted(listed)})
        return ids

    return run_operation(ctx, "member.tier_config", body, op_id=op_id)


def rules_in(session: Session) -> list[TierRule]:
    """The active tiers' qualifying rules (flushes pending ORM changes first)."""
    session.flush()
    return [TierRule(tier_id=r[0], rank=int(r[1]), growth_threshold=int(r[2]),
                     single_purchase_fen=None if r[3] is None else int(r[3]))
            for r in hot_path.cursor(session).execute(
                "SELECT id, rank, growth_threshold, single_purchase_fen FROM member_tier "
                "WHERE active").fetchall()]


def list_tiers(ctx: Ctx) -> list[dict[str, object]]:
    with ctx.db.read() as s:
        return [{"tier_id": t.id, "code": t.code, "name": t.name, "rank": t.rank,
                 "growth_threshold": t.growth_threshold,
                 "single_purchase_fen": t.single_purchase_fen,
                 "points_multiplier_pct": t.points_multiplier_pct,
                 "discounts": json.loads(t.discounts), "active": t.active}
                for t in s.scalars(select(MemberTier).order_by(MemberTier.rank))]


def _best_purchase(session: Session, member_id: str, since: dt.datetime | None = None) -> int:
    """The largest single purchase still standing (refund rows cancel their ``ref_id``)."""
    per_ref = select(func.sum(MemberGrowth.purchase_fen).label("fen")).where(
        MemberGrowth.member_id == member_id)
    if since is not None:
        per_ref = per_ref.where(MemberGrowth.at >= to_db(since))
    per_ref_sub = per_ref.group_by(func.coalesce(MemberGrowth.ref_id, MemberGrowth.id)).subquery()
    return int(session.scalar(select(func.max(per_ref_sub.c.fen))) or 0)


def _move(tx: Tx, member: Member, move: TierMove | None, *, locked: bool | None = None) -> \
        dict[str, object] | None:
    if move is None and locked is None:
        return None
    to_tier = move.to_tier_id if move else member.tier_id
    reason = move.reason if move else (TierReason.LOCK if locked else TierReason.UNLOCK)
    tx.session.add(MemberTierChange(
        id=new_id(), member_id=member.id, from_tier_id=member.tier_id, to_tier_id=to_tier,
        reason=reason.value, locked=member.tier_locked if locked is None else locked,
        at=to_db(tx.now), actor_id=tx.actor_id, op_id=tx.op_id))
    change: dict[str, object] = {"member_id": member.id, "from": member.tier_id, "to": to_tier,
              "reason": reason.value}
    member.tier_id = to_tier
    if locked is not None:
        member.tier_locked = locked
    tx.emit("member.tier_changed", change)
    return change


_GROW = ("UPDATE member SET growth = growth + ? WHERE id = ? "
         "RETURNING growth, tier_id, tier_locked")
_INSERT_GROWTH = ("INSERT INTO member_growth (id, member_id, delta, purchase_fen, reason, ref_id, "
                  "at, op_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


def _purchase_matters(rules: Sequence[TierRule], *, current_tier_id: str | None, growth: int,
                      purchase_fen: int) -> bool:
    """Whether an earlier purchase could lift an upgrade above what growth value and this
    purchase reach: only a tier ranked above both with a single-purchase threshold can."""
    reached = qualifying_tier(rules, growth=growth, best_purchase_fen=purchase_fen)
    floor = max(rank_of(rules, current_tier_id), reached.rank if reached else -1)
    return any(r.single_purchase_fen is not None and r.single_purchase_fen > 0
               and r.rank > floor for r in rules)


def add_growth(tx: Tx, member_id: str, delta: int, reason: str, *, ref_id: str | None = None,
               purchase_fen: int = 0) -> dict[str, object] | None:
    """Add (or, for a refund, remove) growth value inside the caller's transaction.

    ``purchase_fen`` is the single purchase/top-up amount that may qualify for a tier on its
    own (negative on a refund, with the sale's ``ref_id``). Upgrades at once; a negative
    delta may downgrade. Returns the tier change, or None. The caller audits.
    """
    session = tx.session
    session.flush()  # ORM changes to this member first; the rows below bypass the ORM
    cur = hot_path.cursor(session)
    row = cur.execute(_GROW, (delta, member_id)).fetchone()
    if row is None:
        raise NotFound(_("No such member."))
    growth, tier_id, locked = int(row[0]), row[1], bool(row[2])
    cur.execute(_INSERT_GROWTH, (new_id(), member_id, delta, purchase_fen, reason[:24], ref_id,
                                 hot_path.db_time(to_db(tx.now)), tx.op_id))
    loaded = session.identity_map.get(session.identity_key(Member, member_id))
    if loaded is not None:
        session.expire(loaded, ["growth"])
    if locked:
        return None
    rules = rules_in(session)
    kind = TierReason.REFUND if delta < 0 or purchase_fen < 0 else TierReason.UPGRADE
    # An upgrade needs the best earlier purchase (a scan of the member's rows) only when a
    # tier above what growth and this purchase reach has a single-purchase threshold;
    # otherwise decide() answers the same without it. A refund always looks.
    best = (_best_purchase(session, member_id) if kind is TierReason.REFUND
            or _purchase_matters(rules, current_tier_id=tier_id, growth=growth,
                                 purchase_fen=max(0, purchase_fen))
            else max(0, purchase_fen))
    move = decide(rules, current_tier_id=tier_id, locked=False, growth=growth,
                  best_purchase_fen=best, reason=kind)
    if move is None:
        return None
    member = session.get(Member, member_id)
    assert member is not None
    return _move(tx, member, move)


def recompute_tier(tx: Tx, member_id: str) -> dict[str, object] | None:
    """Upgrade a member if their growth already qualifies (after an import or a merge)."""
    member = tx.session.get(Member, member_id)
    if member is None:
        raise NotFound(_("No such member."))
    move = decide(rules_in(tx.session), current_tier_id=member.tier_id,
                  locked=member.tier_locked, growth=member.growth,
                  best_purchase_fen=_best_purchase(tx.session, member_id),
                  reason=TierReason.UPGRADE)
    return _move(tx, member, move)


def set_tier(ctx: Ctx, member_id: str, tier_id: str | None, *, op_id: OpId,
             lock: bool | None = None) -> None:
    """Put a member in a tier by hand (manager); ``lock`` keeps it from moving by itself."""
    def body(tx: Tx) -> None:
        member = get_for_update(tx, member_id)
        if tier_id is not None and tx.session.get(MemberTier, tier_id) is None:
            raise NotFound(_("No such tier."))
        if tier_id != member.tier_id:
            _move(tx, member, TierMove(tier_id, TierReason.MANUAL), locked=lock)
        elif lock is not None and lock != member.tier_locked:
            _move(tx, member, None, locked=lock)
        tx.audit(target_type="member", target_id=member_id,
                 detail={"tier_id": tier_id, "lock": lock})

    run_operation(ctx, "member.tier_set", body, op_id=op_id)


def annual_review(ctx: Ctx, *, op_id: OpId, as_of: dt.date | None = None) -> int:
    """The yearly tier review: each unlocked member gets the tier the last 12 months of growth
    (and single purchases) qualify for. Returns how many members moved."""
    def body(tx: Tx) -> int:
        day = as_of or tx.now.date()
        since = dt.datetime.combine(day.replace(year=day.year - 1), dt.time(), dt.UTC)
        rules = rules_in(tx.session)
        yearly = dict(tx.session.execute(
            select(MemberGrowth.member_id, func.sum(MemberGrowth.delta))
            .where(MemberGrowth.at >= to_db(since)).group_by(MemberGrowth.member_id)).all())
        moved = 0
        candidates = tx.session.scalars(select(Member).where(
            Member.tier_id.is_not(None) | Member.id.in_(list(yearly)),
            ~Member.tier_locked, Member.merged_into.is_(None)))
        for member in candidates:
            move = decide(rules, current_tier_id=member.tier_id, locked=False,
                          growth=int(yearly.get(member.id, 0)),
                          best_purchase_fen=_best_purchase(tx.session, member.id, since),
                          reason=TierReason.REVIEW)
            if _move(tx, member, move):
                moved += 1
        tx.audit(target_type="member_tier", detail={"review": day.isoformat(), "moved": moved})
        return moved

    return run_operation(ctx, "member.tier_review", body, op_id=op_id)


def tier_history(ctx: Ctx, member_id: str) -> list[dict[str, object]]:
    with ctx.db.read() as s:
        return [{"at": from_db(c.at), "from": c.from_tier_id, "to": c.to_tier_id,
                 "reason": c.reason, "locked": c.locked, "actor_id": c.actor_id}
                for c in s.scalars(select(MemberTierChange).where(
                    MemberTierChange.member_id == member_id).order_by(MemberTierChange.at,
                                                                       MemberTierChange.id))]


def bump_growth_totals(session: Session, member_id: str) -> None:
    """Recompute ``member.growth`` from its rows (after a merge moved rows between members)."""
    total = session.scalar(select(func.coalesce(func.sum(MemberGrowth.delta), 0)).where(
        MemberGrowth.member_id == member_id))
    session.execute(update(Member).where(Member.id == member_id).values(growth=int(total or 0)))
