"""Crash reports a salon can send to support without sending its clients' data.

When something fails that is not a :class:`~salondesk.errors.UserError` (a bug, not a refusal),
the GUI and the CLI write one report file into the store's ``logs/`` folder and tell the
person where it is. A report holds what an engineer needs - version, platform, the exception's
type, where it was raised (file, line, function and that line's source) - and nothing typed
at the counter: no local variables, and messages and source lines scrubbed of anything that can
be personal (digits of phones and card codes, Chinese text such as names, quoted values,
e-mail addresses).
"""

from __future__ import annotations

import datetime as dt
import platform
import re
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path

from salondesk import __version__
from salondesk.i18n import _
from salondesk.logs import current_logs_dir

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_QUOTED = re.compile(r"""(['"“‘])(.*?)(['"”’])""")
_DIGITS = re.compile(r"\d{3,}")
_NON_ASCII_WORD = re.compile(r"[^\x00-\x7f]+")
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def scrub(text: str) -> str:
    """``text`` with every part that can carry personal data replaced by a placeholder."""
    text = _EMAIL.sub("<email>", text)
    text = _QUOTED.sub(lambda m: f"{m[1]}…{m[3]}", text)
    text = _DIGITS.sub(lambda m: "#" * len(m[0]), text)
    return _NON_ASCII_WORD.sub("…", text)


def _where(filename: str) -> str:
    """A source path relative to the checkout or the bundle: no user names from home paths."""
    path = Path(filename)
    try:
        return str(path.resolve().relative_to(_PACKAGE_ROOT))
    except ValueError:
        parts = path.parts
        for anchor in ("site-packages", "lib"):
            if anchor in parts:
                return str(Path(*parts[parts.index(anchor) + 1:]))
        return path.name


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return list(reversed(seen))


def describe_exception(exc: BaseException) -> Iterable[str]:
    """The scrubbed traceback of ``exc`` and its causes, line by line, oldest first."""
    for link in _chain(exc):
        yield "Traceback (most recent call last):"
        for frame in traceback.extract_tb(link.__traceback__):
            yield f'  File "{_where(frame.filename)}", line {frame.lineno}, in {frame.name}'
            if frame.line:
                yield f"    {scrub(frame.line.strip())}"
        yield f"{type(link).__module__}.{type(link).__qualname__}: {scrub(str(link))}"
        yield ""


def render(exc: BaseException, *, when: dt.datetime, extra: dict[str, str] | None = None) -> str:
    """The text of the report for ``exc`` (pure: no files touched)."""
    lines = [
        "SalonDesk crash report (no personal data: messages are scrubbed, no variables)",
        f"time: {when.isoformat(timespec='seconds')}",
        f"version: {__version__}",
        f"python: {platform.python_version()} ({platform.python_implementation()})",
        f"platform: {platform.platform(terse=True)} {platform.machine()}",
        f"frozen: {bool(getattr(sys, 'frozen', False))}",
    ]
    lines += [f"{key}: {scrub(value)}" for key, value in (extra or {}).items()]
    lines.append("")
    lines += describe_exception(exc)
    return "\n".join(lines)


def write_crash_report(exc: BaseException, *, logs_dir: Path | None = None,
                       extra: dict[str, str] | None = None) -> Path | None:
    """Write the report for ``exc`` into ``logs_dir`` (default: the folder logging writes to)
    and return its path; ``None`` when there is nowhere to write (no store yet, read-only disk).
    Never raises: a failing crash handler must not hide the crash it reports."""
    folder = logs_dir or current_logs_dir()
    if folder is None:
        return None
    now = dt.datetime.now().astimezone()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{now:%Y%m%d-%H%M%S-%f}.txt"
        path.write_text(render(exc, when=now, extra=extra), encoding="utf-8")
    except Exception:
        return None
    return path


def unexpected_failure_text(report: Path | None) -> str:
    """The one sentence the person sees for a bug: where its report is, when there is one."""
    if report is None:
        return _("Something went wrong; the details are in the store's log folder.")
    return _("Something went wrong. A report without personal data was saved as {path}; "
             "please send it to your SalonDesk support.").format(path=report)
