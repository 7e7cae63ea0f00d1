"""Member engagement (会员营销): campaigns and the visit-cycle recall list.

* **Campaigns**: choose the audience (an RFM segment, birthdays in a period, dormant members
  with money or sessions left, members due for a treatment), the channel, the offer and the
  message with its merge fields; preview who receives it (and who is left out, and why)
  with each rendered message; send; export the WeChat list; read a sent campaign's results.
* **Recall**: members due and overdue for a service by its visit cycle, with one action to
  book (the appointment dialog, member and service filled in) or to send a message; each
  service's cycle can be set here (else it is learned from history).

Every service call runs on the database worker (:class:`~salondesk.ui.ops.Op`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QSplitter,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain import engagement as rules
from salondesk.domain import rfm as rfm_rules
from salondesk.i18n import _, ngettext
from salondesk.ids import new_op_id
from salondesk.services import appointments, campaigns, catalogue, ledger_settings, messaging
from salondesk.services import recall as recall_service
from salondesk.services.catalogue import ServiceSpec
from salondesk.services.context import Ctx
from salondesk.ui import messages, tables
from salondesk.ui.dates import date_edit, day_of
from salondesk.ui.day_close_page import busy_bar, button
from salondesk.ui.ops import Op
from salondesk.ui.save_file import choose_save_path
from salondesk.ui.shift_dialogs import money

DEFAULT_TEMPLATE = "${name}您好！本月回店礼：送您优惠券${coupon}，欢迎预约。电话${store_phone}"
RECALL_TEMPLATE = "${name}您好，您的${service}护理已到周期，欢迎来店预约。电话${store_phone}"


def _zone(name: object) -> dt.tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(str(name))
    except Exception:  # no tz database: China's offset, as the appointments page does
        return dt.timezone(dt.timedelta(hours=8))


def _channels(combo: QComboBox) -> None:
    for key in rules.CHANNELS:
        combo.addItem(_(rules.CHANNEL_LABELS[key]), key)


def _field_menu(parent: QWidget, name: str, editor: QPlainTextEdit) -> QComboBox:
    """A combo that inserts a merge field at the cursor."""
    combo = QComboBox(parent)
    combo.setObjectName(name)
    combo.addItem(_("Insert a merge field..."), None)
    for key, label in rules.FIELDS.items():
        combo.addItem(f"{_(label)}  ${{{key}}}", key)

    def insert(index: int) -> None:
        key = combo.itemData(index)
        if key:
            editor.insertPlainText(f"${{{key}}}")
            combo.setCurrentIndex(0)
            editor.setFocus()

    combo.activated.connect(insert)
    return combo


class CampaignsTab(QWidget):
    """Build, preview and send a campaign; see the campaigns sent and their results."""

    def __init__(self, ctx: Ctx, parent: QWidget | None = None,
                 today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("campaignsTab")
        self.ctx = ctx
        self.preview_result: campaigns.Preview | None = None
        self.last_campaign: str | None = None
        self.last_export: Any = None
        self.dialog: QDialog | None = None
        today = today or dt.date.today()
        self.services: list[ServiceSpec] = []
        outer = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self._build_form(split, today))
        split.addWidget(self._build_right(split))
        split.setStretchFactor(1, 1)
        outer.addWidget(split)
        for combo in (self.audience, self.offer, self.channel):
            combo.currentIndexChanged.connect(lambda _i: self._arrange())
        for widget in (self.audience, self.segment, self.service, self.channel, self.offer,
                       self.coupon):
            widget.currentIndexChanged.connect(lambda _i: self._stale())
        self.template.textChanged.connect(self._stale)
        self._arrange()
        self.refresh()

    def _build_form(self, split: QWidget, today: dt.date) -> QWidget:
        form_box = QWidget(split)
        form = QFormLayout(form_box)
        self._audience_widgets(form_box, today)
        self._offer_widgets(form_box, today)
        self.rows: dict[str, tuple[QLabel, Any]] = {}
        for key, label, widget in (
                ("name", _("Campaign name"), self.name_edit),
                ("audience", _("Audience"), self.audience),
                ("segment", _("Segment"), self.segment),
                ("period", _("Period"), self.period),
                ("idle", _("Not seen for"), self.idle_days),
                ("service", _("Service"), self.service),
                ("channel", _("Send by"), self.channel), ("offer", _("Offer"), self.offer),
                ("coupon", _("Coupon"), self.coupon), ("points", _("Points"), self.points),
                ("subject", _("Subject"), self.subject), ("template", _("Message"),
                                                          self.template),
                ("fields", "", self.fields)):
            caption = QLabel(label, form_box)
            form.addRow(caption, widget)
            self.rows[key] = (caption, widget)
        actions = QHBoxLayout()
        self.preview_button = button(form_box, _("Preview"), "campaignPreview", self.preview)
        self.send_button = button(form_box, _("Send"), "campaignSend", self.send)
        self.send_button.setEnabled(False)
        self.dispatch_button = button(form_box, _("Send queued now"), "campaignDispatch",
                                      self.dispatch)
        self.export_button = button(form_box, _("Export for WeChat..."), "campaignExport",
                                    self.export)
        for b in (self.preview_button, self.send_button, self.dispatch_button,
                  self.export_button):
            actions.addWidget(b)
        form.addRow(actions)
        more = QHBoxLayout()
        self.opt_out_button = button(form_box, _("Record opt-out..."), "campaignOptOut",
                                     self.opt_out)
        self.settings_button = button(form_box, _("Sending settings..."), "campaignSettings",
                                      self.open_settings)
        more.addWidget(self.opt_out_button)
        more.addWidget(self.settings_button)
        more.addStretch(1)
        form.addRow(more)
        return form_box

    def _audience_widgets(self, form_box: QWidget, today: dt.date) -> None:
        self.name_edit = QLineEdit(_("Back-to-store gift"), form_box)
        self.name_edit.setObjectName("campaignName")
        self.name_edit.setMaxLength(campaigns.MAX_NAME)
        self.audience = QComboBox(form_box)
        self.audience.setObjectName("campaignAudience")
        for key, label in campaigns.AUDIENCES.items():
            self.audience.addItem(_(label), key)
        self.segment = QComboBox(form_box)
        self.segment.setObjectName("campaignSegment")
        for seg in rfm_rules.Segment:
            self.segment.addItem(_(rfm_rules.SEGMENT_LABELS[seg]), seg.value)
        self.first_edit = date_edit(form_box, "campaignFirst", today)
        self.last_edit = date_edit(form_box, "campaignLast", today + dt.timedelta(days=30))
        period = QHBoxLayout()
        period.addWidget(self.first_edit)
        period.addWidget(self.last_edit)
        self.idle_days = QSpinBox(form_box)
        self.idle_days.setObjectName("campaignIdleDays")
        self.idle_days.setRange(1, 3650)
        self.idle_days.setValue(90)
        self.idle_days.setSuffix(_(" days"))
        self.service = QComboBox(form_box)
        self.service.setObjectName("campaignService")
        self.service.addItem(_("Any service"), None)
        self.period = period

    def _offer_widgets(self, form_box: QWidget, today: dt.date) -> None:
        self.channel = QComboBox(form_box)
        self.channel.setObjectName("campaignChannel")
        _channels(self.channel)
        self.offer = QComboBox(form_box)
        self.offer.setObjectName("campaignOffer")
        for key, label in campaigns.OFFERS.items():
            self.offer.addItem(_(label), key)
        self.coupon = QComboBox(form_box)
        self.coupon.setObjectName("campaignCoupon")
        self.multiplier = QSpinBox(form_box)
        self.multiplier.setObjectName("campaignMultiplier")
        self.multiplier.setRange(2, 10)
        self.multiplier.setPrefix("x")
        self.until_edit = date_edit(form_box, "campaignUntil", today + dt.timedelta(days=14))
        points = QHBoxLayout()
        points.addWidget(self.multiplier)
        points.addWidget(QLabel(_("until"), form_box))
        points.addWidget(self.until_edit)
        self.subject = QLineEdit(form_box)
        self.subject.setObjectName("campaignSubject")
        self.subject.setMaxLength(128)
        self.template = QPlainTextEdit(DEFAULT_TEMPLATE, form_box)
        self.template.setObjectName("campaignTemplate")
        self.template.setMinimumHeight(90)
        self.fields = _field_menu(form_box, "campaignFields", self.template)
        self.points = points

    def _build_right(self, split: QWidget) -> QWidget:
        right = QWidget(split)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.notice = QLabel(right)
        self.notice.setObjectName("campaignNotice")
        self.notice.setWordWrap(True)
        self.busy = busy_bar(right, "campaignBusy")
        self.preview_table = tables.table(
            right, [_("Member no."), _("Name"), _("Receives"), _("Message")],
            "campaignPreviewTable")
        self.preview_table.setWordWrap(True)
        self.sent_table = tables.table(
            right, [_("Campaign"), _("Send by"), _("Sent"), _("Recipients")], "campaignList")
        self.sent_table.setMaximumHeight(160)
        results_row = QHBoxLayout()
        self.result_days = QSpinBox(right)
        self.result_days.setObjectName("campaignResultDays")
        self.result_days.setRange(1, 366)
        self.result_days.setValue(30)
        self.result_days.setSuffix(_(" days"))
        self.results_button = button(right, _("Results"), "campaignResults", self.results)
        results_row.addWidget(QLabel(_("Results over"), right))
        results_row.addWidget(self.result_days)
        results_row.addWidget(self.results_button)
        results_row.addStretch(1)
        self.results_table = tables.table(right, [_("Figure"), _("Count or amount")],
                                          "campaignResultTable")
        self.results_table.setMaximumHeight(220)
        right_layout.addWidget(self.notice)
        right_layout.addWidget(self.busy)
        right_layout.addWidget(self.preview_table, 3)
        right_layout.addWidget(QLabel(_("Campaigns sent"), right))
        right_layout.addWidget(self.sent_table, 1)
        right_layout.addLayout(results_row)
        right_layout.addWidget(self.results_table, 1)
        return right


    # -- form ----------------------------------------------------------------------------------

    def _show_row(self, key: str, visible: bool) -> None:
        caption, widget = self.rows[key]
        caption.setVisible(visible)
        if isinstance(widget, QWidget):
            widget.setVisible(visible)
        else:
            for i in range(widget.count()):
                item = widget.itemAt(i).widget()
                if item is not None:
                    item.setVisible(visible)

    def _arrange(self) -> None:
        kind = self.audience.currentData()
        self._show_row("segment", kind == "segment")
        self._show_row("period", kind == "birthdays")
        self._show_row("idle", kind == "dormant")
        self._show_row("service", kind == "due")
        offer = self.offer.currentData()
        self._show_row("coupon", offer == "coupon")
        self._show_row("points", offer == "points")
        self._show_row("subject", self.channel.currentData() == "email")

    def _stale(self) -> None:
        self.send_button.setEnabled(False)

    def refresh(self) -> None:
        ctx = self.ctx

        def read() -> tuple[list[tuple[str, str]], list[ServiceSpec],
                            list[campaigns.CampaignRow]]:
            return (campaigns.coupon_templates(ctx), catalogue.list_services(ctx),
                    campaigns.campaigns(ctx))

        Op(self, read).success(self._loaded).run_in_background()

    def _loaded(self, loaded: tuple[list[tuple[str, str]], list[ServiceSpec],
                                    list[campaigns.CampaignRow]]) -> None:
        templates, self.services, sent = loaded
        current = self.coupon.currentData()
        self.coupon.clear()
        for template_id, name in templates:
            self.coupon.addItem(name, template_id)
        if current:
            self.coupon.setCurrentIndex(max(0, self.coupon.findData(current)))
        chosen = self.service.currentData()
        self.service.clear()
        self.service.addItem(_("Any service"), None)
        for spec in self.services:
            self.service.addItem(spec.name, spec.code)
        if chosen:
            self.service.setCurrentIndex(max(0, self.service.findData(chosen)))
        self.campaign_rows = sent
        tables.fill(self.sent_table, [
            [c.name, _(rules.CHANNEL_LABELS.get(c.channel, c.channel)),
             c.sent_at.strftime("%Y-%m-%d %H:%M") if c.sent_at else "", str(c.recipients)]
            for c in sent])

    def draft(self) -> campaigns.Draft:
        kind = self.audience.currentData()
        audience = campaigns.Audience(
            kind=kind, segment=self.segment.currentData() if kind == "segment" else None,
            first=day_of(self.first_edit) if kind == "birthdays" else None,
            last=day_of(self.last_edit) if kind == "birthdays" else None,
            idle_days=self.idle_days.value(),
            service_code=self.service.currentData() if kind == "due" else None)
        offer_kind = self.offer.currentData()
        offer = campaigns.Offer(
            kind=offer_kind,
            template_id=self.coupon.currentData() if offer_kind == "coupon" else None,
            multiplier_permille=self.multiplier.value() * 1000 if offer_kind == "points"
            else 1000,
            until=day_of(self.until_edit) if offer_kind == "points" else None)
        return campaigns.Draft(name=self.name_edit.text(), audience=audience,
                               channel=self.channel.currentData(),
                               template=self.template.toPlainText(), offer=offer,
                               subject=self.subject.text())

    def _say(self, text: str, *, ok: bool = False) -> None:
        self.notice.setStyleSheet("color: #1b5e20;" if ok else "color: #b00020;")
        self.notice.setText(text)

    def _run(self, fn: Any, done: Any) -> None:
        self.busy.show()
        self.preview_button.setEnabled(False)
        Op(self, fn).success(done).failure(
            lambda exc: self._say(messages.describe(exc))).finished(
            self._finished).run_in_background()

    def _finished(self) -> None:
        self.busy.hide()
        self.preview_button.setEnabled(True)

    # -- actions -------------------------------------------------------------------------------

    def preview(self) -> None:
        ctx, draft = self.ctx, self.draft()
        self._run(lambda: campaigns.preview(ctx, draft), self._previewed)

    def _previewed(self, result: campaigns.Preview) -> None:
        self.preview_result = result
        rows = [[str(r.member_no), r.name, _("Yes") if r.included else r.reason, r.message]
                for r in self._preview_order()]
        tables.fill(self.preview_table, rows)
        self.preview_table.resizeRowsToContents()
        included, left_out = len(result.included), len(result.excluded)
        self._say(ngettext("{n} member will receive it", "{n} members will receive it",
                           included).format(n=included) + " · " + ngettext(
            "{n} left out", "{n} left out", left_out).format(n=left_out), ok=included > 0)
        self.send_button.setEnabled(included > 0)

    def send(self) -> None:
        if self.preview_result is None or not self.send_button.isEnabled():
            return
        n = len(self.preview_result.included)
        if not messages.confirm(self, ngettext(
                "Send this campaign to {n} member?", "Send this campaign to {n} members?",
                n).format(n=n)):
            return
        ctx, draft, op_id = self.ctx, self.draft(), new_op_id()
        self.send_button.setEnabled(False)
        self._run(lambda: campaigns.send(ctx, draft, op_id=op_id), self._sent)

    def _sent(self, campaign_id: str) -> None:
        self.last_campaign = campaign_id
        self._say(_("Sent: the messages are queued and go out when possible."), ok=True)
        self.refresh()

    def dispatch(self) -> None:
        ctx = self.ctx
        self._run(lambda: messaging.dispatch(ctx), self._dispatched)

    def _dispatched(self, result: messaging.DispatchResult) -> None:
        if result.quiet:
            self._say(_("Quiet hours: messages wait until the morning."))
            return
        text = _("Handed to head office {sms}, e-mailed {mail}, held for tomorrow {later}, "
                 "cancelled {cancelled}").format(sms=result.handed, mail=result.sent,
                                                later=result.deferred,
                                                cancelled=result.cancelled)
        self._say("; ".join([text, *result.errors]), ok=not result.errors)

    def export(self) -> None:
        path = choose_save_path(self, _("Export messages"), _("Messages to send") + ".xlsx",
                                _("Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)"))
        if path is None:
            return
        ctx = self.ctx
        self.last_export = path
        self._run(lambda: messaging.export_queued(ctx, path), lambda n: self._say(
            _("Exported {n} rows to {path}").format(n=n, path=path), ok=True))

    def selected_preview(self) -> campaigns.PreviewRow | None:
        if self.preview_result is None:
            return None
        row = self.preview_table.currentRow()
        shown = self._preview_order()
        return shown[row] if 0 <= row < len(shown) else None

    def _preview_order(self) -> list[campaigns.PreviewRow]:
        assert self.preview_result is not None
        return sorted(self.preview_result.rows, key=lambda r: (not r.included, r.member_no))

    def opt_out(self) -> None:
        """The member in the preview asks for no more messages (any channel)."""
        chosen = self.selected_preview()
        if chosen is None:
            self._say(_("Choose a member in the preview."))
            return
        if not messages.confirm(self, _("Record that {name} wants no more marketing "
                                        "messages?").format(name=chosen.name)):
            return
        ctx, op_id = self.ctx, new_op_id()
        self._run(lambda: messaging.record_opt_out(ctx, chosen.member_id, source="staff",
                                                   op_id=op_id),
                  self._opted_out)

    def _opted_out(self, _cancelled: int) -> None:
        self._stale()  # preview again before sending
        self._say(_("Opt-out recorded; preview again before sending."), ok=True)

    def open_settings(self) -> None:
        ctx = self.ctx
        Op(self, lambda: messaging.current_settings(ctx)).success(self._settings_loaded) \
            .run_in_background()

    def _settings_loaded(self, current: tuple[rules.SendingRules,
                                              messaging.SmtpConfig | None]) -> None:
        self.dialog = SendingDialog(self.ctx, current, self)
        self.dialog.open()

    def selected_campaign(self) -> str | None:
        row = self.sent_table.currentRow()
        rows = getattr(self, "campaign_rows", [])
        if 0 <= row < len(rows):
            return str(rows[row].campaign_id)
        return self.last_campaign

    def results(self) -> None:
        campaign_id = self.selected_campaign()
        if campaign_id is None:
            self._say(_("Choose a campaign in the list."))
            return
        ctx, days = self.ctx, self.result_days.value()
        self._run(lambda: campaigns.results(ctx, campaign_id, days=days), self._results)

    def _results(self, result: campaigns.Results) -> None:
        self.results_table.setRowCount(0)
        figures = result.figures()
        self.results_table.setRowCount(len(figures))
        for i, (label, value, is_money) in enumerate(figures):
            self.results_table.setItem(i, 0, QTableWidgetItem(label))
            item = QTableWidgetItem(money(value) if is_money else str(value))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.results_table.setItem(i, 1, item)


class SendingDialog(QDialog):
    """Quiet hours, daily caps and the store's mail server (SMS needs no settings here: head
    office sends them)."""

    def __init__(self, ctx: Ctx, current: tuple[rules.SendingRules, messaging.SmtpConfig | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sendingDialog")
        self.setWindowTitle(_("Sending settings"))
        self.ctx = ctx
        sending, smtp = current
        form = QFormLayout(self)
        self.quiet_start, self.quiet_end = self._hour(sending.quiet_start, "quietStart"), \
            self._hour(sending.quiet_end, "quietEnd")
        quiet = QHBoxLayout()
        quiet.addWidget(self.quiet_start)
        quiet.addWidget(QLabel(_("to"), self))
        quiet.addWidget(self.quiet_end)
        self.store_cap = self._count(sending.store_per_day, "storeCap", 100_000)
        self.member_cap = self._count(sending.member_per_day, "memberCap", 20)
        self.host = QLineEdit(smtp.host if smtp else "", self)
        self.host.setObjectName("smtpHost")
        self.port = self._count(smtp.port if smtp else 25, "smtpPort", 65535)
        self.security = QComboBox(self)
        self.security.setObjectName("smtpSecurity")
        for key, label in (("none", _("None")), ("starttls", "STARTTLS"), ("ssl", "SSL/TLS")):
            self.security.addItem(label, key)
        self.security.setCurrentIndex(max(0, self.security.findData(
            smtp.security if smtp else "none")))
        self.sender_edit = QLineEdit(smtp.sender if smtp else "", self)
        self.sender_edit.setObjectName("smtpSender")
        self.sender_name = QLineEdit(smtp.sender_name if smtp else "", self)
        self.username = QLineEdit(smtp.username if smtp else "", self)
        self.username.setObjectName("smtpUser")
        self.password = QLineEdit(smtp.password if smtp else "", self)
        self.password.setObjectName("smtpPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.problem = QLabel(self)
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(_("Quiet hours"), quiet)
        form.addRow(_("Messages a day (store)"), self.store_cap)
        form.addRow(_("Messages a day (each member)"), self.member_cap)
        form.addRow(_("Mail server"), self.host)
        form.addRow(_("Port"), self.port)
        form.addRow(_("Security"), self.security)
        form.addRow(_("Sender address"), self.sender_edit)
        form.addRow(_("Sender name"), self.sender_name)
        form.addRow(_("User name"), self.username)
        form.addRow(_("Password"), self.password)
        form.addRow(self.problem)
        form.addRow(buttons)

    def _hour(self, value: int, name: str) -> QSpinBox:
        box = QSpinBox(self)
        box.setObjectName(name)
        box.setRange(0, 24)
        box.setSuffix(_(":00"))
        box.setValue(value)
        return box

    def _count(self, value: int, name: str, top: int) -> QSpinBox:
        box = QSpinBox(self)
        box.setObjectName(name)
        box.setRange(0, top)
        box.setValue(value)
        return box

    def _save(self) -> None:
        sending = rules.SendingRules(
            quiet_start=self.quiet_start.value(), quiet_end=self.quiet_end.value(),
            store_per_day=self.store_cap.value(), member_per_day=self.member_cap.value())
        host = self.host.text().strip()
        smtp = messaging.SmtpConfig(
            host=host, port=self.port.value(), security=self.security.currentData(),
            sender=self.sender_edit.text().strip(), sender_name=self.sender_name.text().strip(),
            username=self.username.text().strip(), password=self.password.text()) \
            if host else None
        ctx, op_id = self.ctx, new_op_id()
        Op(self, lambda: messaging.configure(ctx, sending=sending, smtp=smtp,
                                             clear_smtp=smtp is None, op_id=op_id)) \
            .success(lambda _r: self.accept()) \
            .failure(lambda exc: self.problem.setText(messages.describe(exc))) \
            .run_in_background()


class MessageDialog(QDialog):
    """One message to one member (the recall list's action)."""

    def __init__(self, ctx: Ctx, row: recall_service.DueRow,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recallMessageDialog")
        self.setWindowTitle(_("Message to {name}").format(name=row.name))
        self.ctx, self.row = ctx, row
        form = QFormLayout(self)
        self.channel = QComboBox(self)
        self.channel.setObjectName("recallMessageChannel")
        _channels(self.channel)
        self.text = QPlainTextEdit(RECALL_TEMPLATE, self)
        self.text.setObjectName("recallMessageText")
        self.problem = QLabel(self)
        self.problem.setObjectName("recallMessageProblem")
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Queue"))
        self.buttons.accepted.connect(self._queue)
        self.buttons.rejected.connect(self.reject)
        form.addRow(_("Send by"), self.channel)
        form.addRow(_("Message"), self.text)
        form.addRow("", _field_menu(self, "recallMessageFields", self.text))
        form.addRow(self.problem)
        form.addRow(self.buttons)

    def _queue(self) -> None:
        ctx, row, op_id = self.ctx, self.row, new_op_id()
        channel, text = self.channel.currentData(), self.text.toPlainText()
        Op(self, lambda: messaging.queue_message(
            ctx, row.member_id, channel=channel, template=text,
            extra={"service": row.service_name}, op_id=op_id)) \
            .success(lambda _id: self.accept()) \
            .failure(lambda exc: self.problem.setText(messages.describe(exc))) \
            .run_in_background()


class RecallTab(QWidget):
    """Members due and overdue for a service, with book / message actions."""

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recallTab")
        self.ctx = ctx
        self.rows: list[recall_service.DueRow] = []
        self.cycles: list[recall_service.Cycle] = []
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        self.notice = QLabel(self)
        self.notice.setObjectName("recallNotice")
        self.busy = busy_bar(self, "recallBusy")
        self.table = tables.table(self, [
            _("Member no."), _("Name"), _("Phone"), _("Service"), _("Last visit"), _("Due on"),
            _("Status")], "recallTable")
        self.table.itemSelectionChanged.connect(self._selection)
        self.table.doubleClicked.connect(lambda _i: self.book())
        layout.addLayout(self._build_top())
        layout.addLayout(self._build_cycle_row())
        layout.addWidget(self.notice)
        layout.addWidget(self.busy)
        layout.addWidget(self.table, 1)
        self.cycle_service.currentIndexChanged.connect(lambda _i: self._cycle_chosen())
        self._selection()
        self._loaded = False  # the list is read when someone first looks at it

    def showEvent(self, event: QShowEvent) -> None:  # Qt's name
        # The recall list reads a year of visits: when someone looks at it, not at start-up
        # (every area is built at sign-in).
        if not self._loaded:
            self._loaded = True
            self._load_cycles()
            self.refresh()
        super().showEvent(event)

    def _build_top(self) -> QHBoxLayout:
        top = QHBoxLayout()
        self.service = QComboBox(self)
        self.service.setObjectName("recallService")
        self.service.addItem(_("All services"), None)
        self.ahead = QSpinBox(self)
        self.ahead.setObjectName("recallAhead")
        self.ahead.setRange(0, 90)
        self.ahead.setValue(7)
        self.ahead.setSuffix(_(" days"))
        self.refresh_button = button(self, _("Show"), "recallRefresh", self.refresh)
        self.book_button = button(self, _("Book..."), "recallBook", self.book)
        self.message_button = button(self, _("Message..."), "recallMessage", self.message)
        top.addWidget(QLabel(_("Service"), self))
        top.addWidget(self.service)
        top.addWidget(QLabel(_("Due within"), self))
        top.addWidget(self.ahead)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        top.addWidget(self.book_button)
        top.addWidget(self.message_button)
        return top

    def _build_cycle_row(self) -> QHBoxLayout:
        cycle_row = QHBoxLayout()
        self.cycle_service = QComboBox(self)
        self.cycle_service.setObjectName("recallCycleService")
        self.cycle_days = QSpinBox(self)
        self.cycle_days.setObjectName("recallCycleDays")
        self.cycle_days.setRange(0, recall_service.MAX_CYCLE_DAYS)
        self.cycle_days.setSpecialValueText(_("learn from history"))
        self.cycle_days.setSuffix(_(" days"))
        self.cycle_info = QLabel(self)
        self.cycle_info.setObjectName("recallCycleInfo")
        self.cycle_button = button(self, _("Set cycle"), "recallCycleSet", self.set_cycle)
        cycle_row.addWidget(QLabel(_("Visit cycle"), self))
        cycle_row.addWidget(self.cycle_service)
        cycle_row.addWidget(self.cycle_days)
        cycle_row.addWidget(self.cycle_button)
        cycle_row.addWidget(self.cycle_info, 1)
        return cycle_row

    def _load_cycles(self) -> None:
        ctx = self.ctx
        Op(self, lambda: recall_service.cycles(ctx)).success(self._cycles_loaded) \
            .run_in_background()

    def _cycles_loaded(self, cycles: list[recall_service.Cycle]) -> None:
        self.cycles = cycles
        chosen, filter_code = self.cycle_service.currentData(), self.service.currentData()
        self.cycle_service.blockSignals(True)
        self.cycle_service.clear()
        self.service.clear()
        self.service.addItem(_("All services"), None)
        for c in cycles:
            self.cycle_service.addItem(c.name, c.service_code)
            self.service.addItem(c.name, c.service_code)
        self.cycle_service.setCurrentIndex(max(0, self.cycle_service.findData(chosen)))
        self.service.setCurrentIndex(max(0, self.service.findData(filter_code)))
        self.cycle_service.blockSignals(False)
        self._cycle_chosen()

    def _cycle_chosen(self) -> None:
        code = self.cycle_service.currentData()
        cycle = next((c for c in self.cycles if c.service_code == code), None)
        if cycle is None:
            self.cycle_info.clear()
            return
        self.cycle_days.setValue(cycle.configured or 0)
        learned = _("learned: {n} days").format(n=cycle.learned) if cycle.learned \
            else _("not enough history to learn")
        self.cycle_info.setText(learned)

    def set_cycle(self) -> None:
        code = self.cycle_service.currentData()
        if code is None:
            return
        ctx, days, op_id = self.ctx, self.cycle_days.value() or None, new_op_id()
        Op(self, lambda: recall_service.set_cycle(ctx, code, days, op_id=op_id)) \
            .success(self._cycle_set).run_in_background()

    def _cycle_set(self, _result: object) -> None:
        self._load_cycles()
        self.refresh()

    def refresh(self) -> None:
        ctx, code, ahead = self.ctx, self.service.currentData(), self.ahead.value()
        self.busy.show()
        Op(self, lambda: recall_service.due_members(ctx, service_code=code, ahead_days=ahead)) \
            .success(self._show).finished(self.busy.hide).run_in_background()

    @staticmethod
    def status_text(row: recall_service.DueRow) -> str:
        if row.days_overdue > 0:
            return ngettext("Overdue {n} day", "Overdue {n} days",
                            row.days_overdue).format(n=row.days_overdue)
        if row.days_overdue == 0:
            return _("Due today")
        return ngettext("Due in {n} day", "Due in {n} days",
                        -row.days_overdue).format(n=-row.days_overdue)

    def _show(self, rows: list[recall_service.DueRow]) -> None:
        self.rows = rows
        tables.fill(self.table, [
            [str(r.member_no), r.name, r.phone, r.service_name, r.last_visit.isoformat(),
             r.due_on.isoformat(), self.status_text(r)] for r in rows])
        for i, r in enumerate(rows):
            item = self.table.item(i, 6)
            if item is not None and r.overdue:
                item.setForeground(Qt.GlobalColor.darkRed)
        overdue = sum(1 for r in rows if r.overdue)
        self.notice.setText(_("{due} due, {overdue} of them overdue").format(
            due=len(rows), overdue=overdue))
        self._selection()

    def selected(self) -> recall_service.DueRow | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) and \
            self.table.selectionModel().hasSelection() else None

    def _selection(self) -> None:
        chosen = self.selected() is not None
        self.book_button.setEnabled(chosen)
        self.message_button.setEnabled(chosen)

    def _booked(self, _appointment_id: object) -> None:
        self.notice.setText(_("Booked."))
        self.refresh()

    def message(self) -> None:
        row = self.selected()
        if row is None:
            return
        dialog = MessageDialog(self.ctx, row, self)
        dialog.accepted.connect(lambda: self.notice.setText(_("Message queued.")))
        self.dialog = dialog
        dialog.open()

    def book(self) -> None:
        """Open the appointment dialog with the member and the service filled in."""
        row = self.selected()
        if row is None:
            return
        ctx = self.ctx

        def read() -> tuple[Any, ...]:
            zone = ctx.setting(ledger_settings.TIMEZONE,
                               ledger_settings.DEFAULTS[ledger_settings.TIMEZONE])
            day = max(appointments.tomorrow(ctx) - dt.timedelta(days=1), row.due_on)
            techs = [(c.key, c.title) for c in appointments.day_view(ctx, day).by_technician
                     if c.key is not None]
            return zone, day, catalogue.list_services(ctx), techs, appointments.rooms(ctx)

        Op(self, read).success(lambda loaded: self._open_booking(row, loaded)) \
            .run_in_background()

    def _open_booking(self, row: recall_service.DueRow, loaded: tuple[Any, ...]) -> None:
        from salondesk.ui.appointment_dialog import BookingDialog

        zone, day, services, techs, rooms = loaded
        dialog = BookingDialog(self.ctx, zone=_zone(zone), day=day, start=dt.time(10),
                               services=services, technicians=techs, rooms=rooms, parent=self)
        dialog.picker.preset(row.member_id, f"{row.name} ({row.member_no})")
        dialog.set_services([row.service_code])
        dialog.saved.connect(self._booked)
        self.dialog = dialog
        dialog.open()


class EngagementPage(QWidget):
    """The marketing area: campaigns and the recall list."""

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("engagementTabs")
        self.campaigns = CampaignsTab(ctx, self.tabs)
        self.recall = RecallTab(ctx, self.tabs)
        self.tabs.addTab(self.campaigns, _("Campaigns"))
        self.tabs.addTab(self.recall, _("Recall"))
        layout.addWidget(self.tabs)
