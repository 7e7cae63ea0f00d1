"""Consent (授权同意) under PIPL: purposes, the versioned texts members agree to, guardians.

Pure rules. A consent is recorded as an append-only event naming the purpose, the text
version and its SHA-256, so what was agreed to stays provable after the text changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum

from salondesk.i18n import N_

GUARDIAN_AGE = 14  # PIPL art. 31: under 14, a parent or guardian consents


class Purpose(StrEnum):
    HEALTH = "health"          # allergies, contraindications, skin type, treatment records
    PHOTOS = "photos"          # before/after photos
    MARKETING = "marketing"    # messages about offers
    HEADOFFICE = "headoffice"  # sharing the member file with the chain's head office


PURPOSE_LABELS = {
    Purpose.HEALTH: N_("Health record"),
    Purpose.PHOTOS: N_("Photos"),
    Purpose.MARKETING: N_("Marketing"),
    Purpose.HEADOFFICE: N_("Sharing with head office"),
}


@dataclass(frozen=True)
class ConsentText:
    purpose: Purpose
    version: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


# The texts are shown to the member as they are (in Chinese); a change is a new version.
TEXTS: dict[Purpose, ConsentText] = {t.purpose: t for t in (
    ConsentText(Purpose.HEALTH, "2026.1",
                "本人同意本店记录并保存本人的过敏史、禁忌症、肤质及护理记录等健康信息，"
                "仅用于为本人安全地提供服务。本人可随时撤回同意。"),
    ConsentText(Purpose.PHOTOS, "2026.1",
                "本人同意本店拍摄并加密保存本人的护理前后照片，仅用于记录护理效果，"
                "不对外公开。本人可随时撤回同意。"),
    ConsentText(Purpose.MARKETING, "2026.1",
                "本人同意本店通过短信、电话或微信向本人发送优惠及活动信息。"
                "本人可随时撤回同意。"),
    ConsentText(Purpose.HEADOFFICE, "2026.1",
                "本人同意本店将本人的会员资料共享给所属连锁总部，用于跨店会员服务。"
                "本人可随时撤回同意。"),
)}


def age_on(birthday: dt.date, day: dt.date) -> int:
    """Age in full years on ``day``."""
    return day.year - birthday.year - ((day.month, day.day) < (birthday.month, birthday.day))


def needs_guardian(birthday: dt.date | None, day: dt.date) -> bool:
    """Whether a consent given on ``day`` must come from a guardian (member under 14)."""
    return birthday is not None and age_on(birthday, day) < GUARDIAN_AGE
