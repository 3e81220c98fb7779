"""What a run found: client processes' measurements merged into one summary, printed as a
short table and kept as JSON. Pure functions, apart from writing the file."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from loadtest.stats import Histogram, merged


def _histogram(results: list[dict], key: str) -> Histogram:
    return merged([Histogram.from_json(result[key]) for result in results])


def _add(counters: list[dict]) -> dict:
    total: dict = {}
    for counter in counters:
        for key, value in counter.items():
            total[key] = total.get(key, 0) + value
    return total


def summarize_ws(results: list[dict], window_s: float) -> dict:
    """One summary of all client processes' results (loadtest.ws_clients.result)."""
    connections = {
        "requested": sum(r["connections"]["requested"] for r in results),
        "connected": sum(r["connections"]["connected"] for r in results),
        "failed": _add([r["connections"]["failed"] for r in results]),
        "disconnected": _add([r["connections"]["disconnected"] for r in results]),
        "compressed": sum(r["connections"]["compressed"] for r in results),
        "connect_ms": _histogram(results, "connect_us").summary_ms(),
    }
    by_type = _add([r["messages"] for r in results])
    received = sum(by_type.values())
    updates = [n for r in results for n in r["updates_per_connection"]]
    starts = [r["seq_at_start"] for r in results if r["seq_at_start"] is not None]
    stops = [r["seq_at_stop"] for r in results if r["seq_at_stop"] is not None]
    # How fast the newest seq any client got advanced: the engine's rate, when clients keep up.
    newest_updates = max(stops) - max(starts) if starts and stops else 0
    seq = _add([r["seq"] for r in results])
    return {
        "connections": connections,
        "latency_ms": _histogram(results, "latency_us").summary_ms(),
        "server_latency_ms": _histogram(results, "server_latency_us").summary_ms(),
        "updates": {
            "newest_seq_per_s": round(newest_updates / window_s, 2),
            "per_connection_per_s": {
                "mean": round(sum(updates) / len(updates) / window_s, 2) if updates else 0,
                "min": round(min(updates) / window_s, 2) if updates else 0,
                "max": round(max(updates) / window_s, 2) if updates else 0,
            },
            "lost": seq.get("lost", 0),
            "resynced": seq.get("resynced", 0),
            "resyncs": seq.get("resyncs", 0),
            "seq_resets": seq.get("seq_resets", 0),
            "skipped": seq.get("skipped", 0),
        },
        "messages": {
            "received": received,
            "per_s": round(received / window_s, 1),
            "mb_per_s": round(sum(r["bytes"] for r in results) / window_s / 1e6, 2),
            "by_type": by_type,
            "undecodable": sum(r["undecodable"] for r in results),
        },
        "client_loop_lag_ms": _histogram(results, "loop_lag_us").summary_ms(),
    }


def summarize_rest(results: list[dict], window_s: float) -> dict:
    statuses = _add([r["statuses"] for r in results])
    scheduled = sum(r["scheduled"] for r in results)
    answered = sum(r["answered_in_window"] for r in results)
    return {
        "requests": {
            "scheduled": scheduled,
            "offered_per_s": round(scheduled / window_s, 1),
            "answered_200_per_s": round(answered / window_s, 1),  # throughput: 200s within the window
            "statuses": statuses,
            "errors": _add([r["errors"] for r in results]),
        },
        "latency_ms": _histogram(results, "latency_us").summary_ms(),
        "send_lag_ms": _histogram(results, "send_lag_us").summary_ms(),
        "mb_per_s": round(sum(r["bytes"] for r in results) / window_s / 1e6, 2),
    }


def _ms(summary: dict) -> str:
    if not summary["count"]:
        return "no samples"
    return f"p50 {summary['p50']:.1f}  p99 {summary['p99']:.1f}  max {summary['max']:.1f} ms"


def _cpu_lines(cpu: dict) -> list[str]:
    processes = "  ".join(
        f"{p['name']} {p['cpu_pct']:g}" if p["cpu_pct"] is not None else f"{p['name']} gone" for p in cpu["processes"]
    )
    machine = cpu["machine"]
    load = " ".join(f"{v:g}" for v in machine["load_average_before"])
    return [
        f"  CPU % of a core: {processes}",
        f"  machine: {machine['cores']} cores, {machine['busy_pct']:g} % busy "
        f"({machine['others_busy_pct']:g} % by other processes); load average before {load}",
    ]


def _log_lines(log: dict) -> list[str]:
    if not (log["errors"] or log["warnings"]):
        return []
    top = [*list(log["kinds"].items())[:3], *list(log["warning_kinds"].items())[:1]]
    return [
        f"  server log: {log['errors']} errors, {log['warnings']} warnings; most frequent (all in the JSON):",
        *(f"    {count} × {kind}" for kind, count in top),
    ]


def _subscription(config: dict) -> str:
    subscribe = config.get("subscribe", "none")
    return "" if subscribe == "none" else f" subscribed like pages ({subscribe})"


def _lost(summary: dict) -> str:
    """A narrowed subscription is not sent every update: its gaps say nothing of losses."""
    updates = summary["updates"]
    if summary["config"].get("subscribe", "none") == "none":
        return f"lost {updates['lost']}"
    return f"lost n/a ({updates.get('skipped', 0):,} updates not carrying what they watch)"


def ws_table(summary: dict) -> str:
    c, u, m = summary["connections"], summary["updates"], summary["messages"]
    failed = ", ".join(f"{k} {v}" for k, v in c["failed"].items()) or "none"
    dropped = ", ".join(f"{k} {v}" for k, v in c["disconnected"].items()) or "none"
    lines = [
        f"/ws, {summary['target']['mode']}: {c['requested']} clients"
        f"{'' if summary['config'].get('compression', True) else ' (not offering deflate)'}"
        f"{_subscription(summary['config'])}, "
        f"{summary['window_s']:g} s → {summary['json_path']}",
        f"  connected {c['connected']} (failed: {failed}; closed later: {dropped}); connect {_ms(c['connect_ms'])}",
        f"  tick → client    {_ms(summary['latency_ms'])}  ({summary['latency_ms']['count']:,} quotes, "
        f"1 update in {summary['config']['sample_every']} per connection)",
        f"  Arbsite → client {_ms(summary['server_latency_ms'])}",
        f"  updates/s: newest seq {u['newest_seq_per_s']:g}, per connection {u['per_connection_per_s']['mean']:g} "
        f"(min {u['per_connection_per_s']['min']:g}); messages/s {m['per_s']:,.0f} ({m['mb_per_s']:g} MB/s as JSON)",
        f"  {_lost(summary)}, resynced {u['resynced']} in {u['resyncs']} resyncs; "
        f"client loop lag {_ms(summary['client_loop_lag_ms'])}",
        *_cpu_lines(summary["cpu"]),
    ]
    lines += _log_lines(summary["server_log"])
    return "\n".join(lines)


def rest_table(summary: dict) -> str:
    r = summary["requests"]
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
    errors = ", ".join(f"{k} {v}" for k, v in r["errors"].items()) or "none"
    lines = [
        f"GET {summary['config']['path']}, {summary['target']['mode']}: {summary['config']['rate_per_s']:g} req/s "
        f"open loop, {summary['window_s']:g} s → {summary['json_path']}",
        f"  latency {_ms(summary['latency_ms'])}  (from when each request was due)",
        f"  offered {r['offered_per_s']:g}/s, answered 200 {r['answered_200_per_s']:g}/s; statuses {statuses}; "
        f"errors {errors}; sender lag {_ms(summary['send_lag_ms'])}",
        *_cpu_lines(summary["cpu"]),
    ]
    lines += _log_lines(summary["server_log"])
    return "\n".join(lines)


def json_path(directory: Path, summary: dict) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(summary["started_at_s"]))
    if "drill" in summary:
        name = f"{stamp}-drill-{summary['drill']['drill']}-{summary['config']['clients']}"
    elif summary["kind"] == "ws":
        name = f"{stamp}-ws-{summary['target']['mode']}-{summary['config']['clients']}"
    else:
        path = re.sub(r"[^a-z0-9]+", "-", summary["config"]["path"].lower()).strip("-")
        name = f"{stamp}-rest-{summary['target']['mode']}-{path}-{summary['config']['rate_per_s']:g}"
    return directory / f"{name}.json"


def write_json(path: Path, summary: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2) + "\n")
