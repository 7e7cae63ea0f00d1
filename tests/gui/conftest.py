"""Fixtures for the GUI tests: offscreen Qt, built forms, a template store copied per test.

A store is created once per session (Argon2 key derivation and PIN hashing cost about a
second) and its folder copied into each test's tmp_path, as Anki's tests copy an empty
collection. The OS key store is replaced by one that reports itself unavailable, so tests
never touch the machine's real key store and every unlock needs the recovery passphrase.
Modal message boxes are replaced by recorders, so a test never hangs on one.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from guikit import CASHIER, OWNER, PASSPHRASE, ROOT, STORE_NAME, NoKeyStore, wait_for_ops

from salondesk import i18n
from salondesk.domain.permissions import Role
from salondesk.ids import new_op_id
from salondesk.services import auth, staff, store_setup
from salondesk.services.context import Ctx
from salondesk.services.store_setup import OpenStore

# Read when pytest-qt creates the QApplication (later): no display here, and none in CI.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_configure(config: pytest.Config) -> None:
    """Compile the Designer forms before any test module imports the screens that use them."""
    spec = importlib.util.spec_from_file_location("build_forms",
                                                  ROOT / "scripts" / "build_forms.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build_forms(quiet=True)


@dataclass
class Boxes:
    """What the app would have shown in message boxes, and the answer to the next question."""

    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    answer: bool = True


@pytest.fixture(scope="session", autouse=True)
def _prepared_app(qapp):
    from salondesk.ui.app import prepare_application

    prepare_application(qapp)
    return qapp


@pytest.fixture(autouse=True)
def boxes(monkeypatch) -> Boxes:
    from salondesk.ui import messages

    seen = Boxes()
    monkeypatch.setattr(messages, "warn", lambda _parent, text: seen.warnings.append(text))
    monkeypatch.setattr(messages, "inform", lambda _parent, text: seen.infos.append(text))

    def confirm(_parent, text):
        seen.questions.append(text)
        return seen.answer

    monkeypatch.setattr(messages, "confirm", confirm)
    return seen


@pytest.fixture(autouse=True)
def _restore_locale() -> Iterator[None]:
    """A test that switches the language must not leave it switched for the next one."""
    previous = i18n.current_locale()
    yield
    from salondesk.ui.language import apply_locale

    apply_locale(previous)


@pytest.fixture
def keystore() -> NoKeyStore:
    return NoKeyStore()


@pytest.fixture(scope="session")
def template_store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("template") / "store"
    store = store_setup.create_store(root, store_name=STORE_NAME, owner_name=OWNER[0],
                                     owner_secret=OWNER[1], passphrase=PASSPHRASE,
                                     keystore=NoKeyStore())
    try:
        owner = auth.login(store.ctx, *OWNER)
        staff.create_staff(owner, name=CASHIER[0], role=Role.CASHIER, secret=CASHIER[1],
                           op_id=new_op_id())
    finally:
        store.close()
    return root


@pytest.fixture
def store_root(template_store, tmp_path) -> Path:
    root = tmp_path / "store"
    shutil.copytree(template_store, root)
    return root


@pytest.fixture
def open_store(store_root, keystore, qtbot) -> Iterator[OpenStore]:
    store = store_setup.open_store(store_root, passphrase=PASSPHRASE, keystore=keystore)
    yield store
    wait_for_ops(qtbot)
    store.close()


@pytest.fixture
def owner_ctx(open_store) -> Ctx:
    return auth.login(open_store.ctx, *OWNER)


@pytest.fixture
def cashier_ctx(open_store) -> Ctx:
    return auth.login(open_store.ctx, *CASHIER)


@pytest.fixture(scope="session")
def member_template(template_store, tmp_path_factory):
    """The GUI template plus staff, a menu, ~300 members and ledger activity (built once)."""
    from memberkit_gui import build_member_store

    return build_member_store(template_store, tmp_path_factory.mktemp("members") / "store")


@pytest.fixture
def member_store(member_template, tmp_path, keystore, qtbot):
    """A copy of the member template, open; yields (OpenStore, MemberStore)."""
    root = tmp_path / "mstore"
    shutil.copytree(member_template.root, root)
    store = store_setup.open_store(root, passphrase=PASSPHRASE, keystore=keystore)
    yield store, member_template
    wait_for_ops(qtbot)
    store.close()


@pytest.fixture(scope="session")
def counter_template(member_template, tmp_path_factory):
    """The member template plus products with barcodes and stock (the checkout tests)."""
    from checkoutkit_gui import build_counter_store

    root = tmp_path_factory.mktemp("counter") / "store"
    return build_counter_store(member_template.root, root), member_template


@pytest.fixture
def counter_store(counter_template, tmp_path, keystore, qtbot):
    """A copy of the counter template, open; yields (OpenStore, MemberStore)."""
    template, data = counter_template
    root = tmp_path / "cstore"
    shutil.copytree(template, root)
    store = store_setup.open_store(root, passphrase=PASSPHRASE, keystore=keystore)
    yield store, data
    wait_for_ops(qtbot)
    store.close()


@pytest.fixture
def make_controller(keystore, qtbot):
    """AppControllers for a data folder; their windows are closed and stores shut after the test."""
    import shiboken6

    from salondesk.ui.app import AppController

    made: list[AppController] = []

    def make(root: Path) -> AppController:
        controller = AppController(root, keystore=keystore)
        made.append(controller)
        return controller

    yield make
    for controller in made:
        wait_for_ops(qtbot)
        if controller.window is not None and shiboken6.isValid(controller.window):
            controller.window.close()
        controller.shutdown()
