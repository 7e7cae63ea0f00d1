"""The reports area: shift handover (交班), day close (日结) and the manager's reports.

Which tabs a person sees follows their permissions: the shift tab for whoever runs the
till, the day close for them too (a manager signs in for the close itself when the person
may not), the report tables only for those who may view reports. The core checks again.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from salondesk.domain.permissions import Permission
from salondesk.i18n import _
from salondesk.services.context import Ctx
from salondesk.services.store_setup import OpenStore
from salondesk.ui.day_close_page import DayClosePanel, ShiftPanel
from salondesk.ui.preference_view import PreferenceView
from salondesk.ui.report_view import ReportView


class ReportsPage(QWidget):
    """Tabs: Shift, Day close, Reports, Project preference (each only for those who may
    use it)."""

    def __init__(self, store: OpenStore, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        actor = ctx.actor
        assert actor is not None
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("reportTabs")
        self.shift: ShiftPanel | None = None
        self.day_close: DayClosePanel | None = None
        self.reports: ReportView | None = None
        self.preference: PreferenceView | None = None
        runs_till = actor.can(Permission.SHIFT_OPERATE) or actor.can(Permission.DAY_CLOSE)
        if runs_till:
            self.shift = ShiftPanel(ctx, self.tabs)
            self.tabs.addTab(self.shift, _("Shift handover"))
            self.day_close = DayClosePanel(store, ctx, self.tabs)
            self.tabs.addTab(self.day_close, _("Day close"))
            # a closed shift changes the Z preview (its variance line)
            self.shift.changed.connect(self.day_close.refresh)
        if actor.can(Permission.REPORTS_VIEW):
            self.reports = ReportView(ctx, self.tabs)
            self.tabs.addTab(self.reports, _("Reports"))
            self.preference = PreferenceView(ctx, self.tabs)
            self.tabs.addTab(self.preference, _("Project preference"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.tabs)
        if self.tabs.count() == 0:
            self.tabs.hide()
            nothing = QLabel(_("Shifts, the day close and reports are for the front desk and "
                               "managers; your role has none of them."), self)
            nothing.setObjectName("noReports")
            nothing.setWordWrap(True)
            layout.addWidget(nothing)
            layout.addStretch(1)

    def show_tab(self, widget: QWidget) -> None:
        self.tabs.setCurrentWidget(widget)
