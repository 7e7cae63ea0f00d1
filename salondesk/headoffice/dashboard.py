"""The head-office dashboard: ``GET /dashboard``, one server-rendered page for the chain owner.

Per store and per business day: sales (gross, voided, refunded, net), consumption
performance (消耗业绩) and the part paid from stored value; per store: liabilities and sync
lag; chain totals. Simplified Chinese by
default, ``?lang=en`` for English; dates by ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (default: the
last seven days).

Access needs an administrator token (``salondesk headoffice add-admin``): as HTTP basic
credentials (name and token; a browser asks for them) or as a bearer token. A store's token
is refused with 403. The page's texts are translated per request, never by switching the
process-wide locale (the server answers several requests at once).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gettext
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, StrictUndefined

from salondesk.errors import PermissionDenied
from salondesk.headoffice import report, service
from salondesk.i18n import DEFAULT_LOCALE, LOCALE_NAMES, LOCALES, N_, translations
from salondesk.money import Money, format_money
from salondesk.paths import font_path

REALM = 'Basic realm="SalonDesk head office", charset="UTF-8"'
FONT_URL = "/dashboard/font.ttf"

TEXTS = {
    "title": N_("Head office dashboard"),
    "range": N_("Business days {start} to {end}"),
    "from": N_("From"), "to": N_("To"), "show": N_("Show"),
    "generated": N_("Generated {time} (server time)"),
    "sales_title": N_("Sales per store and day"),
    "store": N_("Store"), "day": N_("Business day"), "sales": N_("Number of sales"),
    "gross": N_("Gross sales"), "voided": N_("Voided"), "refunded": N_("Refunded"),
    "net": N_("Net sales"),
    "consumption": N_("Consumption performance"),
    "stored_value": N_("Paid from stored value"),
    "consumption_note": N_("Consumption performance: services, package sessions and "
                           "products in the sales (not top-ups or packages sold)."),
    "store_total": N_("Store total"), "chain_total": N_("Chain total"),
    "no_sales": N_("No sales in this range."),
    "liab_title": N_("Liabilities per store"),
    "as_of": N_("As of"), "sv_principal": N_("Stored value principal"),
    "sv_bonus": N_("Stored value bonus"), "sessions": N_("Package sessions left"),
    "package_value": N_("Package value left"), "points": N_("Points"), "debt": N_("Debt"),
    "no_figures": N_("No figures yet"),
    "sync_title": N_("Sync per store"),
    "last_event": N_("Last event"), "last_push": N_("Last push received"),
    "acked": N_("Highest contiguous seq"), "events": N_("Events held"), "lag": N_("Lag"),
    "not_enrolled": N_("Not enrolled yet"),
    "settle_title": N_("Stored value spent at other stores: settlement"),
    "home_store": N_("Home store"), "spending_store": N_("Spent at"),
    "spends": N_("Spends"), "spent": N_("Amount spent"),
    "owed": N_("Owed (principal part)"), "bonus_part": N_("Bonus part (not settled)"),
    "no_settlement": N_("No member spent stored value at another store in this range."),
}
LAG_TEXTS = {"now": N_("just now"), "min": N_("{n} min"), "h": N_("{n} h"), "d": N_("{n} d")}
NEED_ADMIN = N_("An administrator token is needed to open this page.")
BAD_ADMIN = N_("This administrator name or token is not valid.")
STORE_TOKEN = N_("A store token cannot open the head-office dashboard.")


def translator(lang: str | None) -> tuple[str, gettext.NullTranslations]:
    """The locale asked for (``zh_CN`` unless it is one we have) and its catalogue."""
    locale = lang if lang in LOCALES else DEFAULT_LOCALE
    return locale, translations(locale)  # per request: the server answers many at once


def _money(fen: int) -> str:
    return format_money(Money(fen))


def _count(n: int) -> str:
    return f"{n:,}"


def _local(at: dt.datetime | None) -> str:
    """A naive-UTC time from the database shown in the server's own time zone."""
    if at is None:
        return "—"
    return at.replace(tzinfo=dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def _lag(tr: gettext.NullTranslations, at: dt.datetime | None, now: dt.datetime) -> str:
    if at is None:
        return "—"
    minutes = max(0, int((now - at).total_seconds() // 60))
    if minutes < 1:
        text = LAG_TEXTS["now"]
        return tr.gettext(text)
    if minutes < 120:
        text = LAG_TEXTS["min"]
        return tr.gettext(text).format(n=minutes)
    if minutes < 48 * 60:
        text = LAG_TEXTS["h"]
        return tr.gettext(text).format(n=minutes // 60)
    text = LAG_TEXTS["d"]  # (a literal key inside gettext() would be extracted as a text)
    return tr.gettext(text).format(n=minutes // (24 * 60))


_ENV = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                   lstrip_blocks=True)
_ENV.filters.update(money=_money, count=_count, local=_local)

PAGE = _ENV.from_string("""<!DOCTYPE html>
<html lang="{{ html_lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t.title }}</title>
<style>
@font-face { font-family: "LXGW WenKai"; src: url("{{ font_url }}") format("truetype");
             font-display: block; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
       "Microsoft YaHei", "WenQuanYi Micro Hei", "LXGW WenKai", sans-serif;
       margin: 24px 32px; color: #1f2933; background: #f7f8fa; font-size: 14px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
header { display: flex; justify-content: space-between; align-items: flex-end; gap: 16px;
         flex-wrap: wrap; }
.muted { color: #6b7280; font-size: 12px; }
form { display: flex; gap: 8px; align-items: center; }
form input, form button { font: inherit; padding: 3px 6px; }
nav a { margin-left: 8px; color: #2563eb; text-decoration: none; }
table { border-collapse: collapse; width: 100%; background: #fff;
        box-shadow: 0 1px 2px rgba(0,0,0,.08); }
th, td { padding: 5px 10px; border-bottom: 1px solid #e5e7eb; white-space: nowrap; }
th { background: #eef1f5; font-weight: 600; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.subtotal td { background: #f3f6fb; font-weight: 600; }
tr.total td { background: #dbe7fb; font-weight: 700; border-top: 2px solid #93a8c9; }
td.neg { color: #b91c1c; }
td.stale { color: #b45309; font-weight: 600; }
</style>
</head>
<body>
<header>
  <div>
    <h1>{{ t.title }}</h1>
    <div class="muted">{{ range_text }} · {{ generated_text }}</div>
  </div>
  <form method="get" action="/dashboard">
    <label>{{ t.from }} <input type="date" name="from" value="{{ start }}"></label>
    <label>{{ t.to }} <input type="date" name="to" value="{{ end }}"></label>
    <input type="hidden" name="lang" value="{{ lang }}">
    <button type="submit">{{ t.show }}</button>
    <nav>{% for code, label in languages %}
      <a href="{{ code_links[code] }}">{{ label }}</a>
    {% endfor %}</nav>
  </form>
</header>

<h2>{{ t.sales_title }}</h2>
<table id="sales">
<thead><tr><th>{{ t.store }}</th><th>{{ t.day }}</th><th class="n">{{ t.sales }}</th>
<th class="n">{{ t.gross }}</th><th class="n">{{ t.voided }}</th>
<th class="n">{{ t.refunded }}</th><th class="n">{{ t.net }}</th>
<th class="n">{{ t.consumption }}</th><th class="n">{{ t.stored_value }}</th></tr></thead>
<tbody>
{% macro cells(s) %}<td class="n" data-col="sales">{{ s.count | count }}</td>
<td class="n" data-col="gross">{{ s.gross_fen | money }}</td>
<td class="n" data-col="voided">{{ s.voided_fen | money }}</td>
<td class="n" data-col="refunded">{{ s.refunded_fen | money }}</td>
<td class="n{% if s.net_fen < 0 %} neg{% endif %}" data-col="net">{{ s.net_fen | money }}</td>
<td class="n" data-col="consumption">{{ s.consumption_fen | money }}</td>
<td class="n" data-col="stored_value">{{ s.stored_value_fen | money }}</td>{% endmacro %}
{% for store in r.stores %}
{% for day, s in store.days %}
<tr class="day" data-store="{{ store.store_id }}" data-day="{{ day }}">
<td>{{ store.name if loop.first else "" }}</td><td>{{ day }}</td>{{ cells(s) }}</tr>
{% endfor %}
<tr class="subtotal" data-store="{{ store.store_id }}">
<td>{{ store.name }}</td><td>{{ t.store_total if store.days else t.no_sales }}</td>
{{ cells(store.total) }}</tr>
{% endfor %}
<tr class="total"><td>{{ t.chain_total }}</td><td></td>{{ cells(r.total) }}</tr>
</tbody>
</table>
<p class="muted">{{ t.consumption_note }}</p>

<h2>{{ t.liab_title }}</h2>
<table id="liabilities">
<thead><tr><th>{{ t.store }}</th><th>{{ t.as_of }}</th>
<th class="n">{{ t.sv_principal }}</th><th class="n">{{ t.sv_bonus }}</th>
<th class="n">{{ t.sessions }}</th><th class="n">{{ t.package_value }}</th>
<th class="n">{{ t.points }}</th><th class="n">{{ t.debt }}</th></tr></thead>
<tbody>
{% macro liab(l) %}<td class="n" data-col="sv_principal">{{ l.sv_principal_fen | money }}</td>
<td class="n" data-col="sv_bonus">{{ l.sv_bonus_fen | money }}</td>
<td class="n" data-col="sessions">{{ l.sessions_outstanding | count }}</td>
<td class="n" data-col="package_value">{{ l.package_value_fen | money }}</td>
<td class="n" data-col="points">{{ l.points_outstanding | count }}</td>
<td class="n" data-col="debt">{{ l.debt_fen | money }}</td>{% endmacro %}
{% for store in r.stores %}
<tr data-store="{{ store.store_id }}"><td>{{ store.name }}</td>
{% if store.liabilities %}
<td>{{ store.liabilities_as_of | local }}</td>{{ liab(store.liabilities) }}
{% else %}<td colspan="7" class="muted">{{ t.no_figures }}</td>{% endif %}</tr>
{% endfor %}
<tr class="total"><td>{{ t.chain_total }}</td><td></td>{{ liab(r.liabilities) }}</tr>
</tbody>
</table>

<h2>{{ t.sync_title }}</h2>
<table id="sync">
<thead><tr><th>{{ t.store }}</th><th>{{ t.last_event }}</th><th>{{ t.last_push }}</th>
<th class="n">{{ t.lag }}</th><th class="n">{{ t.acked }}</th>
<th class="n">{{ t.events }}</th></tr></thead>
<tbody>
{% for store in r.stores %}
<tr data-store="{{ store.store_id }}"><td>{{ store.name }}</td>
{% if store.enrolled %}
<td data-col="last_event">{{ store.last_event_at | local }}</td>
<td data-col="last_push">{{ store.last_push_at | local }}</td>
<td class="n{% if stale[store.store_id] %} stale{% endif %}" data-col="lag">
{{ lags[store.store_id] }}</td>
{% else %}<td colspan="3" class="muted">{{ t.not_enrolled }}</td>{% endif %}
<td class="n" data-col="acked">{{ store.acked_seq | count }}</td>
<td class="n" data-col="events">{{ store.events | count }}</td></tr>
{% endfor %}
<tr class="total"><td>{{ t.chain_total }}</td><td></td><td></td><td></td><td></td>
<td class="n" data-col="events">{{ r.events | count }}</td></tr>
</tbody>
</table>

<h2>{{ t.settle_title }}</h2>
<table id="settlement">
<thead><tr><th>{{ t.home_store }}</th><th>{{ t.spending_store }}</th>
<th class="n">{{ t.spends }}</th><th class="n">{{ t.spent }}</th>
<th class="n">{{ t.owed }}</th><th class="n">{{ t.bonus_part }}</th></tr></thead>
<tbody>
{% for row in r.settlement %}
<tr><td>{{ row.home_store }}</td><td>{{ row.spending_store }}</td>
<td class="n">{{ row.spends | count }}</td><td class="n">{{ row.amount_fen | money }}</td>
<td class="n" data-col="owed">{{ row.owed_fen | money }}</td>
<td class="n">{{ row.bonus_fen | money }}</td></tr>
{% else %}
<tr><td colspan="6" class="muted">{{ t.no_settlement }}</td></tr>
{% endfor %}
</tbody>
</table>
</body>
</html>
""")


def render(r: report.ChainReport, lang: str | None) -> str:
    """The dashboard page for ``r`` in ``lang`` (``zh_CN`` unless ``en``)."""
    locale, tr = translator(lang)
    t = {key: tr.gettext(text) for key, text in TEXTS.items()}
    now = r.generated_at
    lags = {s.store_id: _lag(tr, s.last_event_at, now) for s in r.stores}
    stale = {s.store_id: s.last_event_at is None or now - s.last_event_at > dt.timedelta(days=1)
             for s in r.stores}
    links = {code: f"/dashboard?from={r.start}&to={r.end}&lang={code}" for code in LOCALES}
    return PAGE.render(
        t=t, r=r, lang=locale, html_lang="zh-CN" if locale == "zh_CN" else "en",
        start=r.start.isoformat(), end=r.end.isoformat(), font_url=FONT_URL,
        range_text=t["range"].format(start=r.start, end=r.end),
        generated_text=t["generated"].format(time=_local(now)),
        lags=lags, stale=stale, code_links=links,
        languages=[(code, LOCALE_NAMES[code]) for code in LOCALES])


def refusal(status: int, message: str, lang: str | None) -> HTMLResponse:
    """A small page for 401/403; a 401 asks the browser for a name and token."""
    _locale, tr = translator(lang)
    title = TEXTS["title"]
    body = PAGE_REFUSED.render(title=tr.gettext(title), message=tr.gettext(message))
    headers = {"WWW-Authenticate": REALM} if status == 401 else {}
    return HTMLResponse(body, status_code=status, headers=headers)


PAGE_REFUSED = _ENV.from_string(
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>{{ title }}</title></head>'
    '<body><h1>{{ title }}</h1><p>{{ message }}</p></body></html>')


def credentials(request: Request) -> tuple[str, str | None] | None:
    """(token, name or None) from ``Authorization: Basic`` (name, token) or ``Bearer``."""
    scheme, _sep, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    if not value or len(value) > 512:
        return None
    if scheme.lower() == "bearer":
        return value, None
    if scheme.lower() == "basic":
        try:
            name, sep, token = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return (token, name) if sep and token else None
    return None


def router() -> APIRouter:
    """The dashboard routes (kept out of the store API's OpenAPI description)."""
    routes = APIRouter(include_in_schema=False)

    @routes.get("/dashboard", response_class=HTMLResponse)
    def dashboard(request: Request,
                  start: Annotated[dt.date | None, Query(alias="from")] = None,
                  end: Annotated[dt.date | None, Query(alias="to")] = None,
                  lang: Annotated[str | None, Query(max_length=8)] = None) -> Any:
        given = credentials(request)
        if given is None:
            return refusal(401, NEED_ADMIN, lang)
        engine = request.app.state.engine
        try:
            service.admin_for_token(engine, given[0], name=given[1])
        except service.BadToken:
            return refusal(401, BAD_ADMIN, lang)
        except PermissionDenied:
            return refusal(403, STORE_TOKEN, lang)
        first, last = report.default_range()
        chain = report.chain_report(engine, start or (end - (last - first) if end else first),
                                    end or last)
        return HTMLResponse(render(chain, lang), headers={"Cache-Control": "no-store"})

    @routes.get(FONT_URL)
    def font() -> FileResponse:
        # The bundled Chinese font (OFL), so the page reads the same on a machine without
        # Chinese fonts; listed last in the CSS, so browsers that have one never fetch it.
        return FileResponse(font_path(), media_type="font/ttf",
                            headers={"Cache-Control": "public, max-age=604800"})

    return routes
