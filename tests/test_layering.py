"""The road does not bend back on itself: who may import whom, read from the source (every
import, at the top of a module or inside a function)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imports_of(relative: str) -> set[str]:
    """Every module a file imports, by its full dotted name (`from a import b` counts a and a.b)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse((ROOT / relative).read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def sources(*folders: str) -> list[str]:
    return sorted(
        str(path.relative_to(ROOT))
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        if "tests" not in path.relative_to(ROOT).parts
    )


def importing(files: list[str], *modules: str) -> dict[str, list[str]]:
    """file -> the `modules` (or their submodules) it imports, for the files that import any."""
    found = {}
    for relative in files:
        hits = sorted(name for name in imports_of(relative) if name.startswith(modules))
        if hits:
            found[relative] = hits
    return found


def test_alert_delivery_imports_no_task():
    """accounts.tasks calls the delivery service and hands it the queue: never the reverse."""
    assert importing(sources("accounts/alerts"), "accounts.tasks") == {}


def test_lib_imports_no_app_and_not_the_project():
    assert importing(sources("lib"), "accounts", "arbitrage", "feeds", "paper", "arbsite", "loadtest") == {}


def test_apps_take_helpers_and_plumbing_from_lib_not_the_project():
    """`arbsite` is settings, URLs and ASGI: it imports the apps, so an app importing it bends
    the road back. The clock, paging, schema pieces, Redis clients, the async cache, outage
    logging, the background queue and the fast-path helpers are lib's. No exception remains.
    Tests are not counted: they drive the whole project (arbsite.asgi's application,
    arbsite.celery's app) as a client would."""
    apps = sources("accounts", "arbitrage", "feeds", "paper", "loadtest")
    assert importing(apps, "arbsite") == {}


def test_the_clock_in_ms_is_defined_once():
    """lib.clock.now_ms, nowhere else."""
    defined = set()
    for folder in ("accounts", "arbitrage", "feeds", "arbsite", "lib", "loadtest", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") == "now_ms":
                    defined.add(str(path.relative_to(ROOT)))
    assert defined == {"lib/clock.py"}


def test_pages_forms_and_health_read_exchange_rows_not_the_connectors():
    """Which exchanges exist and which run is the database's (admin → Exchanges): what reads
    for people and load balancers never asks the connector package."""
    readers = [
        relative
        for relative in sources("accounts", "arbitrage", "feeds", "arbsite")
        if Path(relative).name in {"views.py", "forms.py", "api.py", "serializers.py", "pages.py", "queries.py"}
    ]
    assert "arbitrage/forms.py" in readers and "feeds/views.py" in readers
    assert importing([*readers, "arbsite/health.py"], "feeds.exchanges") == {}


def test_arbitrage_reaches_paper_only_through_the_registered_executor():
    """paper reads arbitrage's cache and message schemas; /ws executes through
    arbitrage.executions, which paper fills in when Django starts: never an import of paper."""
    assert importing(sources("arbitrage", "feeds", "lib"), "paper") == {}


def test_arbitrage_hands_alerts_on_only_through_the_registered_sender():
    """The engine reads rules from accounts' models and hands matches to the sender accounts
    registers when Django starts (arbitrage.alerting): it never imports the delivery side,
    which imports arbitrage's message schemas. The /ws consumer joins the user's group through
    accounts.user_connections, not through the in-app transport."""
    assert importing(sources("arbitrage", "feeds", "lib"), "accounts.tasks", "accounts.alerts") == {}


def test_pure_helpers_and_the_engines_pure_jobs_import_no_django():
    """What is computed without I/O stays testable without Django (its docstring says so)."""
    pure = [
        "lib/clock.py",
        "lib/numbers.py",
        "lib/refreshed.py",
        "lib/lanes.py",
        "lib/json_depth.py",
        "arbitrage/spreads.py",
        "arbitrage/rule_matching.py",
        "arbitrage/spread_charts.py",
        "arbitrage/alert_matching.py",
        "arbitrage/depth.py",
        "arbitrage/depth_walk.py",
        "arbitrage/depth_levels.py",
        "arbitrage/fee_tables.py",
        "paper/fills.py",
        "paper/positions.py",
    ]
    assert importing(pure, "django", "channels", "rest_framework", "celery") == {}
