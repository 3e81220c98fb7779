"""docker-compose.yml and the Dockerfile, read as data (Docker itself does not run in tests):
the proxy setup the login throttle relies on, and a container that does not run as root."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_tells_arbsite_about_its_proxy():
    environment = compose()["x-arbsite"]["environment"]
    assert environment["ARBSITE_HTTPS"] == "${ARBSITE_HTTPS:-1}"
    # One proxy appends the client's address to X-Forwarded-For: the throttles key on that.
    assert environment["ARBSITE_NUM_PROXIES"] == "${ARBSITE_NUM_PROXIES:-1}"
    for service in compose()["services"].values():
        if service.get("build"):
            assert service["environment"]["ARBSITE_NUM_PROXIES"]  # every Arbsite service has it


def test_compose_publishes_plain_http_to_the_host_only():
    """Reached directly, :8000 would let a client write its own X-Forwarded-For and skip TLS."""
    services = compose()["services"]
    published = [(name, port) for name, service in services.items() for port in service.get("ports", [])]
    assert published, "the web service is published for the host's TLS proxy"
    for name, port in published:
        host_ip = str(port).split(":")[0]
        assert host_ip in {"127.0.0.1", "[::1]"}, f"{name} publishes {port} on every interface"


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", dockerfile)
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in (raw.strip() for raw in joined.splitlines())
        if line and not line.startswith("#")
    ]


def test_the_container_runs_as_an_unprivileged_user():
    instructions = _instructions((ROOT / "Dockerfile").read_text())
    users = [argument.strip() for name, argument in instructions if name == "USER"]
    assert users and users[-1] not in {"root", "0", "0:0"}
    last_user = max(i for i, (name, _) in enumerate(instructions) if name == "USER")
    assert not any(name == "RUN" for name, _ in instructions[last_user:]), "nothing runs as root after USER"
    # The user owns var/ (the generated files go there) and nothing else of the app.
    runs = " ".join(argument for name, argument in instructions if name == "RUN")
    assert re.search(r"chown\b.*\bvar\b", runs)
