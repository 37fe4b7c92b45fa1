"""Stop a long search from outside: the caller says when, the scoring loop asks between steps.

A web request running a quote search can lose its client or run out of time; the model work
(one encoder pass or one forced alignment per step) then has nothing left to do. The caller
wraps the search in ``stop_when(should_stop)``; ``check()`` between model steps raises
``SearchStopped`` once ``should_stop()`` is true. Without a ``stop_when`` nothing is checked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from transcribe.errors import NavarError

_should_stop: ContextVar[Callable[[], bool] | None] = ContextVar("should_stop", default=None)


class SearchStopped(NavarError):
    """The search was stopped by its caller (its client left, or it ran out of time)."""


@contextlib.contextmanager
def stop_when(should_stop: Callable[[], bool] | None) -> Iterator[None]:
    token = _should_stop.set(should_stop)
    try:
        yield
    finally:
        _should_stop.reset(token)


def check() -> None:
    should_stop = _should_stop.get()
    if should_stop is not None and should_stop():
        raise SearchStopped("the search was stopped before it finished")
