"""What the README and the Makefile promise exists: every environment variable the settings
read has a row in README's settings table; every make target named has a recipe."""

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


def make_targets() -> dict[str, list[str]]:
    """target -> its recipe lines, from the Makefile."""
    targets: dict[str, list[str]] = {}
    current: list[str] = []
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line.startswith("\t"):
            current.append(line.strip())
        elif match := re.match(r"^([\w./-]+):(?!=)", line):
            current = targets.setdefault(match.group(1), [])
    return targets


def test_every_phony_target_and_every_target_the_readme_names_does_something():
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE).group(1).split()
    # `make x` in prose, or a line of a shell block that starts with it
    named = re.findall(r"(?:`|^)make ([a-z][\w-]*)", (ROOT / "README.md").read_text(), re.MULTILINE)
    targets = make_targets()
    assert {"install", "test", "lint", "bench"} <= set(phony) and {"test", "bench-scale"} <= set(named)
    # `install` has no recipe of its own: it names the file whose recipe builds the venv.
    empty = sorted(t for t in {*phony, *named} if not targets.get(t) and t != "install")
    assert empty == []
