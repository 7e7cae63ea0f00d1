"""RFM segmentation into the 8 classic segments (RFM 八大客户分类).

Each member with purchases in the period gets recency (days since the last purchase),
frequency (purchases) and monetary value (fen). Each is "high" or "low" against the mean of
all scored members (recency: high when at most the mean number of days, i.e. recent). The
three high/low marks give one of eight segments. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from salondesk.i18n import N_


class Segment(StrEnum):
    IMPORTANT_VALUE = "important_value"            # R high F high M high  重要价值
    IMPORTANT_DEVELOP = "important_develop"        # R high F low  M high  重要发展
    IMPORTANT_RETAIN = "important_retain"          # R low  F high M high  重要保持
    IMPORTANT_WIN_BACK = "important_win_back"      # R low  F low  M high  重要挽留
    GENERAL_VALUE = "general_value"                # R high F high M low   一般价值
    GENERAL_DEVELOP = "general_develop"            # R high F low  M low   一般发展
    GENERAL_RETAIN = "general_retain"              # R low  F high M low   一般保持
    GENERAL_WIN_BACK = "general_win_back"          # R low  F low  M low   一般挽留


SEGMENT_LABELS = {
    Segment.IMPORTANT_VALUE: N_("Important value"),
    Segment.IMPORTANT_DEVELOP: N_("Important to develop"),
    Segment.IMPORTANT_RETAIN: N_("Important to retain"),
    Segment.IMPORTANT_WIN_BACK: N_("Important to win back"),
    Segment.GENERAL_VALUE: N_("General value"),
    Segment.GENERAL_DEVELOP: N_("General to develop"),
    Segment.GENERAL_RETAIN: N_("General to retain"),
    Segment.GENERAL_WIN_BACK: N_("General to win back"),
}

_BY_MARKS = {
    (True, True, True): Segment.IMPORTANT_VALUE,
    (True, False, True): Segment.IMPORTANT_DEVELOP,
    (False, True, True): Segment.IMPORTANT_RETAIN,
    (False, False, True): Segment.IMPORTANT_WIN_BACK,
    (True, True, False): Segment.GENERAL_VALUE,
    (True, False, False): Segment.GENERAL_DEVELOP,
    (False, True, False): Segment.GENERAL_RETAIN,
    (False, False, False): Segment.GENERAL_WIN_BACK,
}


@dataclass(frozen=True)
class Rfm:
    member_id: str
    recency_days: int
    frequency: int
    monetary_fen: int


@dataclass(frozen=True)
class Scored:
    rfm: Rfm
    segment: Segment


def segment_of(r_high: bool, f_high: bool, m_high: bool) -> Segment:
    return _BY_MARKS[(r_high, f_high, m_high)]


def segment(members: Sequence[Rfm]) -> list[Scored]:
    """Each member's segment against the means of ``members`` (compared without division:
    x >= mean  <=>  x * n >= sum)."""
    n = len(members)
    if n == 0:
        return []
    r_sum = sum(m.recency_days for m in members)
    f_sum = sum(m.frequency for m in members)
    m_sum = sum(m.monetary_fen for m in members)
    return [Scored(m, segment_of(m.recency_days * n <= r_sum, m.frequency * n > f_sum,
                                 m.monetary_fen * n > m_sum)) for m in members]
