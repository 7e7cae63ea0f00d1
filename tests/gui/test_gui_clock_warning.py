"""The PC's clock behind the store's records: a red warning on every screen (issue 10)."""

from __future__ import annotations

import datetime as dt

import pytest
from guikit import OWNER, PASSPHRASE, screenshot, wait_for_ops

from salondesk.clock import FixedClock, MonotonicClock
from salondesk.services import auth, store_setup
from salondesk.ui.main_window import build_main_window

pytestmark = pytest.mark.gui


def _window(qtbot, store_root, keystore, pc: FixedClock):
    store = store_setup.open_store(store_root, passphrase=PASSPHRASE, keystore=keystore,
                                   clock=MonotonicClock(pc))
    win = build_main_window(store, auth.login(store.ctx, *OWNER))
    qtbot.addWidget(win)
    win.resize(1200, 760)
    win.show()
    qtbot.waitExposed(win)
    wait_for_ops(qtbot)
    return store, win


def test_clock_set_back_is_shown_in_red_until_it_is_right(qtbot, store_root, keystore):
    real = dt.datetime.now(dt.UTC)
    pc = FixedClock(real - dt.timedelta(days=3))  # the CMOS battery died
    store, win = _window(qtbot, store_root, keystore, pc)
    try:
        label = win.status_bar.clock_label
        assert label.isVisible()
        # both times, the wrong one and the store's latest, are named
        assert (real - dt.timedelta(days=3)).astimezone().strftime("%Y-%m-%d") in label.text()
        assert real.astimezone().strftime("%Y-%m-%d") in label.text()
        # the business day shown is not three days ago
        assert real.astimezone().date().isoformat() in win.status_bar.day_label.text()
        screenshot(win, "clock-behind-warning")
        pc.at = real + dt.timedelta(minutes=1)  # someone set the date right
        win.status_bar.refresh_day()  # what the status bar's minute timer does
        assert not label.isVisible()
    finally:
        win.close()
        store.close()


def test_a_right_clock_shows_no_warning(qtbot, store_root, keystore):
    store, win = _window(qtbot, store_root, keystore,
                         FixedClock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)))
    try:
        assert not win.status_bar.clock_label.isVisible()
    finally:
        win.close()
        store.close()
