"""What the batch catalog says: counts by status, what is running (and whether its holder is
alive), what failed and why, and the recent batches. For ``navar status``."""

from __future__ import annotations

import time
from pathlib import Path

from transcribe.archive import Archive

from .catalog import STALE_SECONDS, Catalog, catalog_path, pid_alive


def report(archive: Archive) -> dict:
    if not catalog_path(archive).is_file():
        return {"catalog": None, "recordings": {}, "stages": {}, "running": [], "failed": [],
                "pending": [], "done": [], "batches": []}  # fmt: skip
    catalog = Catalog(archive)
    recs = catalog.recording_rows()
    stages = catalog.stage_rows()
    now = time.time()
    by_status: dict[str, int] = {}
    for r in recs:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    stage_counts: dict[str, dict[str, int]] = {}
    for s in stages:
        counts = stage_counts.setdefault(s["stage"], {})
        counts[s["status"]] = counts.get(s["status"], 0) + 1
    current = {s["recording_id"]: s for s in stages if s["status"] == "running"}

    def item(r) -> dict:
        out = {
            "recording_id": r["recording_id"],
            "source": r["source"],
            "duration": r["duration"],
            "status": r["status"],
        }
        if r["status"] == "failed":
            out["error"] = r["error"]
        if r["status"] == "running":
            s = current.get(r["recording_id"])
            alive = (now - (r["heartbeat"] or 0)) < STALE_SECONDS and (
                r["host"] != catalog.host or pid_alive(r["pid"])
            )
            out.update(
                stage=s["stage"] if s else None,
                progress=s["progress"] if s else None,
                pid=r["pid"],
                host=r["host"],
                heartbeat_age=round(now - (r["heartbeat"] or 0), 1),
                alive=alive,
            )
        return out

    return {
        "catalog": str(catalog.path),
        "recordings": by_status,
        "stages": stage_counts,
        "audio_hours_done": round(
            sum(r["duration"] or 0 for r in recs if r["status"] == "done") / 3600, 4
        ),
        "running": [item(r) for r in recs if r["status"] == "running"],
        "failed": [item(r) for r in recs if r["status"] == "failed"],
        "pending": [item(r) for r in recs if r["status"] == "pending"],
        "done": [item(r) for r in recs if r["status"] == "done"],
        "batches": [
            {
                "batch": b["batch"],
                "started": b["started"],
                "finished": b["finished"],
                "host": b["host"],
                "pid": b["pid"],
                "command": b["command"],
            }
            for b in catalog.batches()
        ],
    }


def render(rep: dict, show_all: bool = False, now: float | None = None) -> str:
    if rep["catalog"] is None:
        return "no batch has run in this archive yet (start one with: navar batch FOLDER)"
    now = now or time.time()
    counts = rep["recordings"]
    lines = [
        "recordings: "
        + ", ".join(f"{counts.get(k, 0)} {k}" for k in ("done", "running", "pending", "failed"))
        + f"  ({rep['audio_hours_done']:.2f} audio hours done)",
        "stages:",
    ]
    for stage, c in rep["stages"].items():
        lines.append(f"  {stage:<10} " + ", ".join(f"{n} {k}" for k, n in sorted(c.items())))
    for r in rep["running"]:
        state = "alive" if r["alive"] else "holder gone: resumes on the next batch"
        pct = f" {100 * (r['progress'] or 0):.0f}%" if r["progress"] is not None else ""
        lines.append(
            f"running {r['recording_id']}  {Path(r['source']).name}  {r['stage']}{pct}  "
            f"pid {r['pid']} on {r['host']} ({state})"
        )
    for r in rep["failed"]:
        lines.append(f"failed  {r['recording_id']}  {Path(r['source']).name}: {r['error']}")
    if show_all:
        for r in rep["pending"] + rep["done"]:
            lines.append(f"{r['status']:<7} {r['recording_id']}  {Path(r['source']).name}")
    for b in rep["batches"][:5]:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(b["started"]))
        end = "finished" if b["finished"] else "did not finish (or still running)"
        lines.append(f"batch {b['batch']}  {when}  {end}")
    return "\n".join(lines)
