"""Progress of a long transcription: a bar with ETA on a terminal, plain lines otherwise.

When stderr is not a terminal (a log file, a batch runner, a pipe) the reporter writes lines
like ``progress 12.5/300.0 s`` that a program can parse, no more often than every few percent.
"""

from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm


class ProgressReporter:
    """Call it with (seconds done, total seconds); close it (or use ``with``) when finished."""

    def __init__(self, stream: TextIO | None = None, label: str = "transcribing",
                 tty: bool | None = None, step: float = 0.02):  # fmt: skip
        self.stream = stream or sys.stderr
        self.label = label
        self.tty = self.stream.isatty() if tty is None else tty
        self.step = step  # fraction of the total between two plain lines
        self._bar: tqdm | None = None
        self._last = -1.0

    def __call__(self, done: float, total: float) -> None:
        total = max(total, done, 0.1)
        if self.tty:
            self._update_bar(done, total)
            return
        if done >= total or done - self._last >= self.step * total or self._last < 0:
            self._last = done
            self.stream.write(f"progress {done:.1f}/{total:.1f} s\n")
            self.stream.flush()

    def _update_bar(self, done: float, total: float) -> None:
        if self._bar is None:
            self._bar = tqdm(
                total=round(total, 1),
                unit="s",
                desc=self.label,
                file=self.stream,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s audio "
                "[{elapsed}<{remaining}, {rate_fmt}]",
            )
        self._bar.total = round(total, 1)
        self._bar.n = round(min(done, total), 1)
        self._bar.refresh()

    def write(self, message: str) -> None:
        """A message line that does not tear the bar."""
        if self._bar is not None:
            self._bar.write(message, file=self.stream)
        else:
            self.stream.write(message + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> ProgressReporter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
