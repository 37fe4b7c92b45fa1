"""Parse time spans from URLs (``?start=&end=`` or ``t=s,e``), rejecting anything odd with 400."""

from __future__ import annotations

import math

from werkzeug.exceptions import BadRequest


def seconds(value: str | None, name: str) -> float:
    try:
        x = float(value) if value is not None else math.nan
    except ValueError:
        x = math.nan
    if not math.isfinite(x) or x < 0:
        raise BadRequest(f"{name} must be a number of seconds, 0 or more.")
    return x


def span(
    args, duration: float, max_length: float | None = None, min_length: float = 0.0
) -> tuple[float, float]:
    """(start, end) from ``start``/``end`` or ``t=start,end`` query arguments.

    ``end`` is cut to the recording's end; the span must then be at least ``min_length``
    and at most ``max_length`` seconds long."""
    if "t" in args:
        parts = args["t"].split(",")
        if len(parts) != 2:
            raise BadRequest("t must be start,end in seconds, like t=12.5,19.2.")
        start, end = seconds(parts[0], "start"), seconds(parts[1], "end")
    else:
        start, end = seconds(args.get("start"), "start"), seconds(args.get("end"), "end")
    if end <= start:
        raise BadRequest("end must be after start.")
    if start >= duration:
        raise BadRequest(f"start is past the end of the recording ({duration:.1f} s).")
    end = min(end, duration)
    if end - start < min_length:
        raise BadRequest(f"a clip must be at least {min_length:g} seconds long.")
    if max_length is not None and end - start > max_length:
        raise BadRequest(f"a clip can be at most {max_length:.0f} seconds long.")
    return start, end
