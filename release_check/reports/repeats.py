"""Collapse the app's consecutive repeats into one count line, never dropping a line silently.

A repeat is a block of 1 to MAX_BLOCK lines identical to the lines shown just above it: the
same line logged on every failed attempt, or the same request log and traceback. The first
copy is shown; the copies after it become one ``(the 3 lines above 40 more times)`` line,
shown as soon as a different line arrives or the output ends. While a copy is in progress its
lines are held back, and a held line is always the same as one already on the screen.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

MAX_BLOCK = 50


class Repeats:
    """Feeds lines through to ``show``, and repeats of the lines just shown to ``show_repeats``.

    ``show_repeats(lines, times)`` stands for the last ``lines`` lines shown (since the last
    count line) written ``times`` more times.
    """

    def __init__(
        self, show: Callable[[str], None], show_repeats: Callable[[int, int], None]
    ) -> None:
        self._show = show
        self._show_repeats = show_repeats
        self._shown: deque[str] = deque(maxlen=MAX_BLOCK)  # since the last count line
        self._held: list[str] = []
        self._fits: list[int] = []  # block lengths the held lines still repeat, shortest first
        self._block: tuple[str, ...] = ()  # the block being repeated, once a copy completed
        self._times = 0
        self._lock = threading.Lock()

    def feed(self, line: str) -> None:
        """Take the app's next line."""
        with self._lock:
            queue = deque([line])
            while queue:
                self._step(queue.popleft(), queue)

    def flush(self) -> None:
        """Show the count and the held lines now: the output ended, or the run is over."""
        with self._lock:
            self._end_block()
            for line in self._held:
                self._print(line)
            self._held, self._fits = [], []

    def _step(self, line: str, queue: deque[str]) -> None:
        """Account for ``line``; lines to look at again go back to the front of ``queue``."""
        if self._block:
            self._next_in_block(line, queue)
            return
        at = len(self._held)
        if at:
            fits = [k for k in self._fits if self._shown[at - k] == line]
        elif line in self._shown:  # most lines repeat nothing: one quick scan says so
            fits = [k for k in range(1, len(self._shown) + 1) if self._shown[-k] == line]
        else:
            fits = []
        if fits:
            self._held.append(line)
            self._fits = fits
            if len(self._held) == fits[0]:
                self._block, self._times = tuple(self._held), 1
                self._held, self._fits = [], []
            return
        if not self._held:
            self._print(line)
            return
        # The held lines were no repeat after all: show the first, look again at the others.
        first, rest = self._held[0], [*self._held[1:], line]
        self._held, self._fits = [], []
        self._print(first)
        queue.extendleft(reversed(rest))

    def _next_in_block(self, line: str, queue: deque[str]) -> None:
        if line == self._block[len(self._held)]:
            self._held.append(line)
            if len(self._held) == len(self._block):
                self._times += 1
                self._held = []
            return
        queue.extendleft(reversed([*self._held, line]))
        self._held = []
        self._end_block()

    def _end_block(self) -> None:
        if not self._block:
            return
        block, times = self._block, self._times
        self._block, self._times = (), 0
        if len(block) == 1 and times == 1:
            self._print(block[0])  # a count line would be no shorter than the line itself
            return
        self._show_repeats(len(block), times)
        self._shown.clear()

    def _print(self, line: str) -> None:
        self._show(line)
        self._shown.append(line)
