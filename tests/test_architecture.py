"""The house's structure, held against the code: imports go down only, apps use each
other's public names only, and Twilio's SDK has one door for REST and one for TwiML."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("callcenter", "crm", "telephony", "campaigns", "qa", "reports", "floor", "workforce")
# Lower apps never import higher ones; apps of one level do not import each other.
LEVEL = {
    "callcenter": 0,
    "crm": 1,
    "telephony": 2,
    "campaigns": 3,
    "qa": 3,
    "reports": 4,
    "floor": 4,
    # Planning reads the reports' interval facts as its history.
    "workforce": 5,
}
# The project's wiring sits on top of every app: the URL root, ASGI routing, the start page
# and the demo data command.
WIRING = ("callcenter.urls", "callcenter.asgi", "callcenter.views", "callcenter.management")
# The only modules that may import these parts of Twilio's SDK.
SDK_DOORS = {"twilio.rest": "telephony.gateway", "twilio.twiml": "telephony.twiml"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the module imported (absolute)
    names: tuple[str, ...]  # names taken from it (from ... import ...), else ()
    line: int

    @property
    def where(self) -> str:
        return f"{self.module.replace('.', '/')}.py:{self.line}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    base = package if is_package else package[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _imports_of(path: Path, source: str | None = None) -> list[Import]:
    """What the module at `path` imports (its text, or `source` as if it stood there)."""
    module = _module_name(path)
    tree = ast.parse(path.read_text() if source is None else source, filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, (), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, path.name == "__init__.py", node)
            names = tuple(alias.name for alias in node.names)
            found.append(Import(module, target, names, node.lineno))
    return found


def _all_imports() -> list[Import]:
    return [
        found
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        for found in _imports_of(path)
    ]


IMPORTS = _all_imports()


def _app(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in APPS else None


def upward_imports(imports: list[Import]) -> list[str]:
    """Imports of an app from a lower (or the same-level) app: the wrong direction."""
    wrong = []
    for found in imports:
        source, target = _app(found.module), _app(found.target)
        if source is None or target is None or source == target:
            continue
        if found.module.startswith(WIRING):
            continue
        if LEVEL[target] >= LEVEL[source]:
            wrong.append(f"{found.where}: {source} imports {found.target}")
    return wrong


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")  # __future__ is no secret


def private_imports(imports: list[Import]) -> list[str]:
    """Names starting with an underscore taken from another module: its private parts."""
    wrong = []
    for found in imports:
        private = [name for name in found.names if _is_private(name)]
        last = found.target.rsplit(".", 1)[-1]
        if found.target != found.module and (private or _is_private(last)):
            wrong.append(f"{found.where}: takes {private or [last]} from {found.target}")
    return wrong


def sdk_imports(imports: list[Import]) -> list[str]:
    """twilio.rest outside the gateway, twilio.twiml outside the TwiML module."""
    wrong = []
    for found in imports:
        for package, door in SDK_DOORS.items():
            imported = [found.target, *(f"{found.target}.{name}" for name in found.names)]
            hits = any(name == package or name.startswith(package + ".") for name in imported)
            if hits and found.module != door:
                wrong.append(f"{found.where}: imports {package} (only {door} may)")
    return wrong


def test_every_app_is_read():
    modules = {found.module for found in IMPORTS}
    for name in ("telephony.acd.routing", "telephony.ivr.engine", "campaigns.dialer.services"):
        assert name in modules


def test_imports_go_down_only():
    assert upward_imports(IMPORTS) == []


def test_no_app_takes_another_modules_private_names():
    assert private_imports(IMPORTS) == []


def test_the_twilio_sdk_has_one_door_for_rest_and_one_for_twiml():
    assert sdk_imports(IMPORTS) == []


# --- The checks themselves catch what they are for -----------------------------------------


def _code(relative: str, source: str) -> list[Import]:
    return _imports_of(ROOT / relative, source)


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("crm/services.py", "from telephony.models import Call\n"),
        ("telephony/ivr/engine.py", "from campaigns import services\n"),
        ("callcenter/live.py", "import crm.models\n"),
        ("campaigns/models.py", "def f():\n    from qa import models\n"),
    ],
)
def test_an_upward_import_is_caught(relative, source):
    assert upward_imports(_code(relative, source))


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("campaigns/dialer/webhooks.py", "from telephony.webhooks import _xml\n"),
        ("telephony/desk/views.py", "from ..acd.routing import _pick_agent\n"),
        ("campaigns/views.py", "from telephony import _private_module\n"),
    ],
)
def test_a_private_import_is_caught(relative, source):
    assert private_imports(_code(relative, source))


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("telephony/acd/offers.py", "from twilio.twiml.voice_response import VoiceResponse\n"),
        ("campaigns/dialer/services.py", "from twilio.rest import Client\n"),
        ("telephony/calls/services.py", "from twilio import rest\n"),
        ("telephony/ivr/engine.py", "import twilio.twiml\n"),
    ],
)
def test_an_sdk_import_outside_its_door_is_caught(relative, source):
    assert sdk_imports(_code(relative, source))


def test_downward_and_public_imports_pass():
    fine = _code(
        "campaigns/dialer/services.py",
        "from telephony.acd import waiting\nfrom crm.phones import normalize_phone\n"
        "from . import pacing\nfrom ..models import Lead\n",
    )
    assert (upward_imports(fine), private_imports(fine), sdk_imports(fine)) == ([], [], [])
