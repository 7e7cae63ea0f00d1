"""Identifiers: UUIDv7 for rows and operations (time-ordered, globally unique)."""

from __future__ import annotations

from typing import NewType

import uuid6

OpId = NewType("OpId", str)
StaffId = NewType("StaffId", str)
MemberId = NewType("MemberId", str)
StoreId = NewType("StoreId", str)


def new_id() -> str:
    return str(uuid6.uuid7())


def new_op_id() -> OpId:
    """A fresh client-generated operation id; reuse it to retry the same operation safely."""
    return OpId(new_id())
