"""The comparison's report: a table and a few sentences, read from the results by key, fitted to the terminal.

Both wrap to ``width`` columns, by default the terminal's
(``shutil.get_terminal_size``, which falls back to ``$COLUMNS`` or 80). A
table too wide for it puts each row's settings on a line of their own under
the row, splits the headers over two lines and wraps the model's name.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence

from tinygrad_moons.experiment.runs import RunResult

__all__ = ["explain", "format_table", "plural", "terminal_width"]


def terminal_width() -> int:
    """The terminal's width in columns (``$COLUMNS``, or 80 when output is not a terminal)."""
    return shutil.get_terminal_size().columns


def plural(count: int, noun: str) -> str:
    """``"1 epoch"``, ``"2 epochs"``, ``"10,000 iterations"``: a count with its noun, in the right number."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _optional(value: float | int | None, fmt: str) -> str:
    return "never" if value is None else format(value, fmt)


#: (first header line, second header line) of each column; one-line tables join them with a space or nothing.
_HEADERS = [
    ("model", ""),
    ("settings", ""),
    ("test", "acc"),
    ("test", "loss"),
    ("epochs", "→100%"),
    ("updates", "→100%"),
    ("time", "→100%"),
    ("epochs", ""),
    ("time", ""),
]


def _cells(result: RunResult) -> list[str]:
    return [
        result.label,
        result.settings,
        f"{result.test_accuracy:.1%}",
        f"{result.test_loss:.4f}",
        _optional(result.epochs_to_perfect, ","),
        _optional(result.updates_to_perfect, ","),
        "never" if result.seconds_to_perfect is None else f"{result.seconds_to_perfect:.2f} s",
        f"{result.epochs:,}",
        f"{result.seconds:.2f} s",
    ]


def _join(cells: Sequence[str], widths: Sequence[int], first_left: int) -> str:
    """Cells padded to their widths, the first ``first_left`` columns left-aligned, the rest right-aligned."""
    parts = [cell.ljust(w) if i < first_left else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths))]
    return "  ".join(parts).rstrip()


def format_table(results: Sequence[RunResult], width: int | None = None) -> str:
    """A plain-text table, one row per run, at most ``width`` columns wide (the terminal's by default).

    Wide enough: one line per row with every column. Narrower: the headers on
    two lines, the model's name wrapped, and each row's settings on the line
    below it, indented. Below about 70 columns the numbers alone do not fit
    and lines run over.
    """
    width = terminal_width() if width is None else width
    rows = [_cells(result) for result in results]
    one_line = [f"{top}{'' if bottom.startswith('→') else ' '}{bottom}".strip() for top, bottom in _HEADERS]
    widths = [max(len(cell) for cell in column) for column in zip(one_line, *rows)]
    if sum(widths) + 2 * (len(widths) - 1) <= width:
        rule = "  ".join("-" * w for w in widths)
        return "\n".join([_join(one_line, widths, 2), rule, *(_join(row, widths, 2) for row in rows)])

    # Narrow: drop the settings column (each row's settings go under it), two-line headers, wrap the name.
    headers = [header for index, header in enumerate(_HEADERS) if index != 1]
    body = [[cell for index, cell in enumerate(row) if index != 1] for row in rows]
    numbers = [
        max(len(cell) for cell in (*headers[column], *(row[column] for row in body)))
        for column in range(1, len(headers))
    ]
    name_width = max(12, width - sum(numbers) - 2 * len(numbers))
    name_width = min(name_width, max(len(row[0]) for row in body) if body else name_width, width)
    widths = [max(name_width, len("model")), *numbers]
    lines = [_join([top for top, _ in headers], widths, 1), _join([bottom for _, bottom in headers], widths, 1)]
    lines.append("  ".join("-" * w for w in widths))
    for row, full in zip(body, rows):
        name = textwrap.wrap(row[0], widths[0]) or [""]
        lines.append(_join([name[0], *row[1:]], widths, 1))
        lines += [part.rstrip() for part in name[1:]]
        lines += textwrap.wrap(full[1], width, initial_indent="    ", subsequent_indent="    ")
    return "\n".join(lines)


def explain(results: Sequence[RunResult], width: int | None = None) -> str:
    """A few sentences that read the table: where the course's "175 times fewer iterations" comes from.

    Rows are found by key (``"handwritten/course"``, ...); a sentence whose
    rows are missing is left out. Each paragraph is wrapped to ``width``
    columns (the terminal's by default).
    """
    width = terminal_width() if width is None else width
    by_key = {result.key: result for result in results}
    manual = by_key.get("handwritten/course")
    ours = by_key.get("tinygrad_moons/course")
    keras = by_key.get("tinygrad_moons/course-keras")
    default = by_key.get("tinygrad_moons/default")
    paragraphs = []
    if manual and ours:
        if manual.epochs_to_perfect is None and ours.epochs_to_perfect is None:
            reached = f"neither reaches 100% test accuracy in {plural(manual.epochs, 'iteration')}"
        elif manual.epochs_to_perfect == ours.epochs_to_perfect:
            reached = f"both first reach 100% test accuracy at iteration {manual.epochs_to_perfect:,}"
        else:
            reached = (
                f"they first reach 100% test accuracy at iterations {_optional(manual.epochs_to_perfect, ',')} "
                f"and {_optional(ours.epochs_to_perfect, ',')}"
            )
        paragraphs.append(
            "The course's network and this library with the course's settings start from the same weights and do "
            f"the same maths: {reached}; their final test losses are {manual.test_loss:.6f} and {ours.test_loss:.6f}."
        )
    if manual and keras and manual.epochs_to_perfect and keras.epochs_to_perfect:
        ratio = manual.epochs_to_perfect / keras.epochs_to_perfect
        updates_per_epoch = keras.updates // keras.epochs
        update_ratio = manual.epochs_to_perfect / (keras.epochs_to_perfect * updates_per_epoch)
        paragraphs.append(
            f"Keras' settings need {ratio:.0f}x fewer epochs than the course's, but an epoch of batch 32 is "
            f"{plural(updates_per_epoch, 'update')}: counted in updates the gap is {update_ratio:.1f}x, and what "
            "remains is the initialisation, Glorot vs randn*0.1 "
            "(examples/compare_with_course.py changes one at a time)."
        )
    if default and default.updates_to_perfect and default.seconds_to_perfect and manual and manual.seconds_to_perfect:
        paragraphs.append(
            "The modern default (He init, Adam, mini-batches) reaches 100% after "
            f"{plural(default.updates_to_perfect, 'update')} in {default.seconds_to_perfect:.2f} s, "
            f"{manual.seconds_to_perfect / default.seconds_to_perfect:.0f}x sooner than the course's network."
        )
    return "\n".join(textwrap.fill(paragraph, width) for paragraph in paragraphs)
