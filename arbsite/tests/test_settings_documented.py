"""Every environment variable arbsite/settings.py reads has a row in README's settings table."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# os.environ.get("X" ...), os.environ["X"], _env_bool("X" ...), _env_list("X" ...)
READ = re.compile(r'(?:os\.environ(?:\.get\(|\[)|_env_\w+\()\s*"([A-Z][A-Z0-9_]+)"')


def settings_table() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Settings (environment)", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| `")]


def documented(name: str, rows: list[str]) -> bool:
    """Named in full, or as `_TAIL` in a row that names another variable with the same head
    (`ARBSITE_ALERTS_WEBHOOK_TIMEOUT_S`, `_MAX_ATTEMPTS`)."""
    for row in rows:
        if f"`{name}`" in row:
            return True
        for cut in (i for i, char in enumerate(name) if char == "_" and i > 0):
            head, tail = name[:cut], name[cut:]
            if f"`{tail}`" in row and f"`{head}_" in row:
                return True
    return False


def test_every_variable_the_settings_read_is_in_the_readme():
    names = set(READ.findall((ROOT / "arbsite" / "settings.py").read_text()))
    assert {"DATABASE_URL", "ARBSITE_SIMULATED", "EMAIL_USE_TLS", "ARBSITE_ALERTS_WEBHOOK_MAX_ATTEMPTS"} <= names
    rows = settings_table()
    assert sorted(name for name in names if not documented(name, rows)) == []
