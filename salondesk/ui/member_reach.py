"""Marketing messages on the member file's consent tab: the member's e-mail address, whether
the marketing consent is on file, and per channel (SMS, e-mail, export for WeChat) whether the
member receives marketing messages, with one button to record an opt-out or an opt-in.

The wish is recorded through :func:`salondesk.services.messaging.record_opt_out` (audited;
queued messages on the channel are cancelled at once; head office learns an SMS opt-out with
the next push), so it is honoured by campaigns, recalls, dispatch and the WeChat export alike.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton, QWidget

from salondesk.domain.engagement import CHANNEL_LABELS, CHANNELS
from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.services import messaging
from salondesk.services.context import Ctx
from salondesk.services.messaging import Reach
from salondesk.ui import messages
from salondesk.ui.ops import Op

RECEIVES_STYLE, OUT_STYLE = "color: #1b7a2f;", "color: #b00020;"


class ReachBox(QGroupBox):
    """One member's marketing reach; :meth:`show_member` loads it off the GUI thread."""

    changed = Signal(str)  # member_id, after an opt-out or opt-in was recorded

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(_("Marketing messages"), parent)
        self.setObjectName("reachBox")
        self._ctx = ctx
        self.member_id: str | None = None
        self.member_name = ""
        self.reach: Reach | None = None
        grid = QGridLayout(self)
        self.email_label = QLabel(self)
        self.email_label.setObjectName("memberEmail")
        grid.addWidget(QLabel(_("E-mail"), self), 0, 0)
        grid.addWidget(self.email_label, 0, 1, 1, 2)
        self.state_labels: dict[str, QLabel] = {}
        self.buttons: dict[str, QPushButton] = {}
        for row, channel in enumerate(CHANNELS, start=1):
            state = QLabel(self)
            state.setObjectName(f"reachState_{channel}")
            button = QPushButton(self)
            button.setObjectName(f"reachButton_{channel}")
            button.clicked.connect(partial(self.toggle, channel))
            grid.addWidget(QLabel(_(CHANNEL_LABELS[channel]), self), row, 0)
            grid.addWidget(state, row, 1)
            grid.addWidget(button, row, 2)
            self.state_labels[channel], self.buttons[channel] = state, button
        self.note_label = QLabel(self)
        self.note_label.setObjectName("reachNote")
        self.note_label.setWordWrap(True)
        grid.addWidget(self.note_label, len(CHANNELS) + 1, 0, 1, 3)
        grid.setColumnStretch(1, 1)
        self._enable(False)

    def _enable(self, on: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(on)

    def show_member(self, member_id: str, name: str) -> None:
        if member_id != self.member_id:
            self.reach = None
            self._enable(False)
        self.member_id, self.member_name = member_id, name
        ctx = self._ctx
        Op(self, lambda: messaging.reach(ctx, member_id)).success(
            lambda reach: self._show(member_id, reach)).run_in_background()

    def _show(self, member_id: str, reach: Reach) -> None:
        if member_id != self.member_id:
            return  # another member was opened meanwhile
        self.reach = reach
        self.email_label.setText(reach.email or _("(none)"))
        self.email_label.setToolTip(_("Masked for your role") if reach.email_masked else "")
        for channel in CHANNELS:
            out = reach.opted_out[channel]
            label = self.state_labels[channel]
            label.setText(_("Opted out") if out else _("Receives messages"))
            label.setStyleSheet(OUT_STYLE if out else RECEIVES_STYLE)
            self.buttons[channel].setText(_("Opt back in") if out else _("Opt out"))
        self.note_label.setText("" if reach.consent else _(
            "No marketing consent on file: no marketing messages are sent on any channel "
            "until the member consents (record it above)."))
        self._enable(True)

    def toggle(self, channel: str) -> None:
        """Record the member's wish to stop (or to start again) marketing on ``channel``."""
        if self.member_id is None or self.reach is None:
            return
        out = not self.reach.opted_out[channel]
        what = _(CHANNEL_LABELS[channel])
        question = (_("Record that {name} wants no more marketing messages by {channel}?")
                    if out else
                    _("Record that {name} wants marketing messages by {channel} again?"))
        if not messages.confirm(self, question.format(name=self.member_name, channel=what)):
            return
        ctx, member_id, op_id = self._ctx, self.member_id, new_op_id()
        self._enable(False)
        Op(self, lambda: messaging.record_opt_out(ctx, member_id, channel=channel,
                                                  opted_out=out, source="member", op_id=op_id)
           ).success(lambda _cancelled: self._recorded(member_id)).failure(
            self._failed).run_in_background()

    def _recorded(self, member_id: str) -> None:
        self.changed.emit(member_id)
        if member_id == self.member_id:
            self.show_member(member_id, self.member_name)

    def _failed(self, exc: BaseException) -> None:
        self._enable(True)
        messages.show_error(self, exc)
