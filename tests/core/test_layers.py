"""The layers point down: an app imports only the apps below it (cross-app features register through
``AppConfig.ready()``). The order is the README's layout section; a new app must be placed in it here."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Bottom first. Apps on the same layer may not import each other.
LAYERS = [
    {"microcredit"},  # the project and what every app shares (accounts, core, settings)
    {"documents", "privacy"},  # PDFs; Law 25 registers (people's files read only through core.personal_data)
    {"funds"},  # the loan fund's sources, tranches and repayments to funders; loans charge each loan to one
    {"circles"},
    {"loans"},
    {"coaching"},
    {"reports", "imports"},
]
LAYER_OF = {app: depth for depth, apps in enumerate(LAYERS) for app in apps}


def imported_apps(path: Path) -> set[tuple[str, int]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update((name.split(".")[0], node.lineno) for name in names if name.split(".")[0] in LAYER_OF)
    return found


def source_files(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def test_every_top_level_app_has_a_layer():
    packages = {p.parent.name for p in ROOT.glob("*/apps.py")} | {"microcredit"}
    assert packages <= set(LAYER_OF), f"place {sorted(packages - set(LAYER_OF))} in LAYERS"


@pytest.mark.parametrize("app", sorted(LAYER_OF))
def test_imports_point_down(app):
    upward = [
        f"{path.relative_to(ROOT)}:{line} imports {other}"
        for path in source_files(app)
        for other, line in imported_apps(path)
        if other != app and LAYER_OF[other] >= LAYER_OF[app]
    ]
    assert upward == []


def test_the_check_sees_an_upward_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from loans.models import Loan\n")
    assert imported_apps(sample) == {("loans", 2)}
