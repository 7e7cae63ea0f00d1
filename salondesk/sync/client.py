"""The store's HTTP(S) client for head office (httpx). TLS checks against the system
certificates, or a custom CA bundle (a chain's own CA) when one is configured."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx

from salondesk.errors import UserError, ValidationError
from salondesk.i18n import _

TIMEOUT = httpx.Timeout(20.0, connect=5.0)


class SyncUnavailable(UserError):
    """Head office cannot be reached now (network, 5xx, busy): try again later."""


class SyncRefused(UserError):
    """Head office refused a request (4xx). ``seq`` names the refused event when it is one."""

    def __init__(self, message: str, status: int, seq: int | None = None,
                 acked_seq: int | None = None) -> None:
        super().__init__(message)
        self.status, self.seq, self.acked_seq = status, seq, acked_seq

    @property
    def about_the_link(self) -> bool:
        """The token or the store itself is refused, not one event: nothing to park."""
        return self.status in (401, 403, 404)


def check_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("https://", "http://")) or len(url) > 255:
        raise ValidationError(_("The head-office address must start with https:// "
                                "(or http:// on a trusted network)."))
    return url


def _verify(ca_bundle: str | None) -> ssl.SSLContext | bool:
    if not ca_bundle:
        return True
    if not Path(ca_bundle).is_file():
        raise ValidationError(_("The CA certificate file {path} does not exist.").format(
            path=ca_bundle))
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except (ssl.SSLError, OSError):
        raise ValidationError(_("The CA certificate file {path} cannot be read.").format(
            path=ca_bundle)) from None


def _untrusted(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _depth in range(6):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class HeadOffice:
    """One connection to head office; ``token`` is the store's bearer token once enrolled."""

    def __init__(self, url: str, *, token: str | None = None, ca_bundle: str | None = None,
                 timeout: httpx.Timeout = TIMEOUT) -> None:
        headers = {"User-Agent": "SalonDesk-store"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(base_url=check_url(url), headers=headers, timeout=timeout,
                                  verify=_verify(ca_bundle))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HeadOffice:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            if _untrusted(exc):
                raise SyncUnavailable(_("Head office's certificate is not trusted here: give "
                                        "the chain's CA certificate with --ca-bundle.")) from None
            raise SyncUnavailable(_("Head office cannot be reached: {reason}").format(
                reason=type(exc).__name__)) from None
        if response.status_code in (408, 429) or response.status_code >= 500:
            raise SyncUnavailable(_("Head office is busy (HTTP {status}); trying again "
                                    "later.").format(status=response.status_code))
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400:
            detail = body.get("detail") if isinstance(body, dict) else None
            if not isinstance(detail, str):
                detail = _("the request was not accepted")
            raise SyncRefused(_("Head office refused: {detail} (HTTP {status})").format(
                detail=detail, status=response.status_code), response.status_code,
                seq=body.get("seq") if isinstance(body, dict) else None,
                acked_seq=body.get("acked_seq") if isinstance(body, dict) else None)
        if not isinstance(body, dict):
            raise SyncUnavailable(_("Head office sent an answer that is not understood."))
        return body

    def enroll(self, code: str) -> dict[str, Any]:
        return self._call("POST", "/v1/enroll", json={"code": code})

    def push(self, events: list[dict[str, Any]]) -> int:
        """Send a batch; returns the highest contiguous seq head office holds."""
        body = self._call("POST", "/v1/events", json={"events": events})
        acked = body.get("acked_seq")
        if not isinstance(acked, int):
            raise SyncUnavailable(_("Head office sent an answer that is not understood."))
        return acked

    def changes(self, cursor: int) -> dict[str, Any]:
        return self._call("GET", "/v1/changes",
                          params={"cursor": cursor})

    def message_status(self, ids: list[str]) -> list[dict[str, Any]]:
        """What became of SMS this store handed to head office (issue 12)."""
        body = self._call("POST", "/v1/messages/status", json={"ids": ids})
        found = body.get("messages")
        return [m for m in found if isinstance(m, dict)] if isinstance(found, list) else []

    def cross_store_quote(self, card_code: str) -> dict[str, Any]:
        return self._call("POST", "/v1/cross-store/quote", json={"card_code": card_code})

    def cross_store_authorise(self, spend_id: str, card_code: str,
                              amount_fen: int) -> dict[str, Any]:
        return self._call("POST", "/v1/cross-store/authorisations", json={
            "spend_id": spend_id, "card_code": card_code, "amount_fen": amount_fen})

    def cross_store_pending(self) -> list[dict[str, Any]]:
        """Spends of this store's members made at other stores, to take or put back."""
        found = self._call("GET", "/v1/cross-store/pending").get("spends")
        return [s for s in found if isinstance(s, dict) and isinstance(s.get("spend_id"), str)
                and isinstance(s.get("member_id"), str) and isinstance(s.get("amount_fen"), int)
                ] if isinstance(found, list) else []

    def summary(self, store_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/stores/{store_id}/summary")
