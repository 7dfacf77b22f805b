"""The seeding progress bar: one redrawn line on a terminal, a line per tenth in logs."""

from __future__ import annotations

import io

from usermanager.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_one_redrawn_line():
    stream = Terminal()
    bar = ProgressBar(stream, 2, label="seeding ")

    bar.advance("created")
    bar.advance("unchanged")

    assert stream.getvalue() == (
        f"\rseeding [{'#' * 15}{'-' * 15}] 1/2 created\033[K"
        f"\rseeding [{'#' * 30}] 2/2 unchanged\033[K\n"
    )


def test_a_log_gets_a_line_per_tenth():
    stream = io.StringIO()
    bar = ProgressBar(stream, 20)

    for _ in range(20):
        bar.advance()

    expected = ["1/20 (5%)"] + [f"{n}/20 ({n * 5}%)" for n in range(2, 21, 2)]
    assert stream.getvalue().splitlines() == expected
