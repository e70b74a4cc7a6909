"""Sweeps over random seeds: how many updates and seconds each setting needs to reach 100% test accuracy.

The course project's write-up compared one run of its hand-written network with one run
of Keras and found Keras "about 175 times" faster in iterations. One run per
setting says little: the initial weights, the data and the batch order all
come from a random seed. :func:`run_sweep` trains every setting once per seed, in
parallel with ``joblib``, and reports the distribution::

    from tinygrad_moons.sweep import run_sweep, format_summary, plot_sweep
    runs = run_sweep(seeds=20)                  # loky processes, all cores
    print(format_summary(runs))
    plot_sweep(runs, "sweep.png")

The settings are the recipes of :mod:`tinygrad_moons.experiment`, all run on
this library's engine: ``course`` (the course project's NumPy settings:
``randn*0.1`` weights and biases, gradient descent lr 0.01 on the full batch),
``course-keras`` (its Keras settings: Glorot-uniform, SGD lr 0.01, batches of
32) and ``default`` (this library's default: He-normal, Adam lr 0.01 with
cosine decay, batches of 32). Run ``s`` uses ``recipe.replace(seed=s)``, so
the data set, the split, the initial weights and the batch order all change
with the seed. A run stops at its first epoch with 100% test accuracy, or
after the recipe's epochs (capped by ``max_epochs``); one that never gets
there is counted as such, not dropped. The old setting names ``seed`` and
``seed-keras`` are still accepted (they run ``course`` and ``course-keras``).

The runs go through ``joblib.Parallel``, so any joblib back-end can run them:
``"loky"`` (processes, the default), ``"threading"``, ``"sequential"``, or a
cluster's: ``run_sweep(backend="dask", scheduler_host="tcp://scheduler:8786")``,
or ``backend="dask"`` inside a program that has connected a
``dask.distributed.Client`` (``distributed`` is not a dependency of this package). Seconds are wall time
inside one worker, test scoring after every epoch included; runs sharing a
machine slow each other down, so compare seconds within one sweep only.

This module sits beside the command line (it uses joblib, and matplotlib for
the figure); the engine and ``nn`` never import it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_moons import experiment
from tinygrad_moons.experiment.report import plural

__all__ = ["SETTINGS", "SweepRun", "format_summary", "plot_sweep", "run_one", "run_sweep", "summarize"]

#: The settings a sweep can run, by name (the recipes of :mod:`tinygrad_moons.experiment`).
SETTINGS = tuple(experiment.recipe_names())


@dataclasses.dataclass(frozen=True)
class SweepRun:
    """One training run of a sweep: which setting and seed, and when (if ever) it reached 100% test accuracy."""

    setting: str
    seed: int
    epochs: int  # epochs run (the run stops at 100% test accuracy)
    max_epochs: int  # its cap
    updates_per_epoch: int
    epochs_to_perfect: int | None
    updates_to_perfect: int | None
    seconds_to_perfect: float | None
    seconds: float

    @property
    def reached(self) -> bool:
        """True if the run reached 100% test accuracy."""
        return self.epochs_to_perfect is not None

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict (for JSON)."""
        return dataclasses.asdict(self)


def _recipe(setting: str, seed: int) -> Any:
    if experiment.canonical_recipe_name(setting) not in SETTINGS:
        raise ValueError(f"unknown setting {setting!r}; choose from {', '.join(SETTINGS)}")
    return experiment.get_recipe(setting).replace(seed=int(seed))


def run_one(setting: str, seed: int, max_epochs: int | None = None) -> SweepRun:
    """Train ``setting`` with ``seed`` until 100% test accuracy or its last epoch (one joblib task).

    ``max_epochs`` ends the run early without changing the recipe (its
    cosine schedule, if any, still spans the recipe's own epochs).
    """
    recipe = _recipe(setting, seed)
    cap = recipe.epochs if max_epochs is None else min(recipe.epochs, int(max_epochs))
    result = experiment.train(recipe, stop_at_perfect=True, max_epochs=cap)
    return SweepRun(
        setting=recipe.name,
        seed=int(seed),
        epochs=result.epochs,
        max_epochs=cap,
        updates_per_epoch=result.updates // max(result.epochs, 1),
        epochs_to_perfect=result.epochs_to_perfect,
        updates_to_perfect=result.updates_to_perfect,
        seconds_to_perfect=result.seconds_to_perfect,
        seconds=result.seconds,
    )


def joblib_backends() -> list[str]:
    """The joblib back-ends a sweep can run on: those registered now, and those joblib registers on first use (dask)."""
    from joblib import parallel

    return sorted(set(parallel.BACKENDS) | set(parallel.EXTERNAL_BACKENDS))


def run_sweep(
    settings: Sequence[str] = SETTINGS,
    seeds: int | Sequence[int] = 20,
    max_epochs: int | None = None,
    n_jobs: int | None = -1,
    backend: str | None = "loky",
    verbose: int = 0,
    **backend_params: Any,
) -> list[SweepRun]:
    """Train every setting once per seed with ``joblib.Parallel``; one :class:`SweepRun` per (setting, seed).

    Parameters
    ----------
    settings : names from :data:`SETTINGS`
    seeds : int or sequence of int
        ``20`` means seeds 0..19; a sequence gives the seeds themselves.
    max_epochs : int or None
        Caps every setting's epochs (the course's full-batch setting needs about
        6,400 on average; its recipe allows 10,000). None keeps each recipe's own.
    n_jobs : int or None
        joblib's: -1 uses every core the back-end offers.
    backend : str or None
        Any registered joblib back-end: "loky" (processes), "threading",
        "sequential", "dask" (with a connected ``dask.distributed.Client``), ...
        None uses the one set by an enclosing ``joblib.parallel_config``.
    verbose : int
        joblib's progress messages (0: none).
    **backend_params
        Passed to the back-end through ``joblib.parallel_config``, e.g.
        ``scheduler_host="tcp://scheduler:8786"`` for "dask", which then
        connects to that cluster itself.
    """
    import joblib

    for setting in settings:
        _recipe(setting, 0)  # an unknown name fails here, not inside a worker
    if isinstance(seeds, (int, np.integer)):
        if seeds < 1:
            raise ValueError(f"seeds must be at least 1, got {seeds}")
        seeds = range(int(seeds))
    seeds = [int(seed) for seed in seeds]
    if not seeds:
        raise ValueError("seeds is empty")
    if max_epochs is not None and max_epochs < 1:
        raise ValueError(f"max_epochs must be at least 1 (or None), got {max_epochs}")
    tasks = [joblib.delayed(run_one)(setting, seed, max_epochs) for setting in settings for seed in seeds]
    # backend=None leaves the back-end to an enclosing joblib.parallel_config (e.g. one set up for Dask).
    if backend:
        config = joblib.parallel_config(backend=backend, n_jobs=n_jobs, **backend_params)
    else:
        config = joblib.parallel_config(n_jobs=n_jobs, **backend_params)
    with config:
        return list(joblib.Parallel(verbose=verbose)(tasks))


def summarize(runs: Sequence[SweepRun]) -> list[dict[str, Any]]:
    """Per setting (in order of first appearance): runs, how many reached 100%, and the spread of updates/seconds.

    The quartiles are over the runs that reached 100%; ``never`` counts the others.
    """
    rows = []
    for setting in dict.fromkeys(run.setting for run in runs):
        mine = [run for run in runs if run.setting == setting]
        reached = [run for run in mine if run.reached]
        row: dict[str, Any] = {
            "setting": setting,
            "runs": len(mine),
            "reached": len(reached),
            "never": len(mine) - len(reached),
            "max_epochs": max(run.max_epochs for run in mine),
        }
        for key in ("epochs_to_perfect", "updates_to_perfect", "seconds_to_perfect"):
            values = np.array([getattr(run, key) for run in reached], dtype=float)
            name = key.split("_")[0]
            if values.size:
                q1, median, q3 = np.percentile(values, [25, 50, 75])
                row.update({f"{name}_min": values.min(), f"{name}_q1": q1, f"{name}_median": median,
                            f"{name}_q3": q3, f"{name}_max": values.max()})
            else:
                row.update({f"{name}_{stat}": math.nan for stat in ("min", "q1", "median", "q3", "max")})
        rows.append(row)
    return rows


def format_summary(runs: Sequence[SweepRun]) -> str:
    """A plain-text table: per setting, median [IQR] and min–max of updates and seconds to 100% test accuracy.

    Also the median epochs (an epoch is one update on the full batch, 25 on batches of 32 from 800 points).
    """

    def spread(row: dict[str, Any], name: str, fmt: Callable[[float], str]) -> tuple[str, str]:
        if not row["reached"]:
            return "-", "-"
        median = f"{fmt(row[name + '_median'])} [{fmt(row[name + '_q1'])}–{fmt(row[name + '_q3'])}]"
        return median, f"{fmt(row[name + '_min'])}–{fmt(row[name + '_max'])}"

    header = ("setting", "reached 100%", "epochs: median", "updates: median [IQR]", "min–max",
              "seconds: median [IQR]", "min–max")
    lines = [header]
    for row in summarize(runs):
        updates = spread(row, "updates", lambda v: f"{v:,.0f}")
        seconds = spread(row, "seconds", lambda v: f"{v:.2f}")
        reached = f"{row['reached']}/{row['runs']}" + (
            f" ({row['never']} not in {plural(row['max_epochs'], 'epoch')})" if row["never"] else ""
        )
        epochs = f"{row['epochs_median']:,.0f}" if row["reached"] else "-"
        lines.append((row["setting"], reached, epochs, *updates, *seconds))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines]
    text.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(text)


def plot_sweep(runs: Sequence[SweepRun], path: str | Path | None = None, title: str | None = None) -> Any:
    """Box plots with every run as a dot: updates (left) and seconds (right) to 100% test accuracy, log scale.

    Runs that never reached 100% are not drawn; each box's label says how many
    of its runs did. Saves a PNG to ``path`` when given; returns the figure.
    """
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rows = summarize(runs)
    settings = [row["setting"] for row in rows]
    labels = [f"{row['setting']}\n{row['reached']}/{row['runs']} reached" for row in rows]
    figure, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    jitter = np.random.default_rng(0)
    for axis, key, unit in zip(axes, ("updates_to_perfect", "seconds_to_perfect"), ("parameter updates", "seconds")):
        data = [[getattr(run, key) for run in runs if run.setting == setting and run.reached] for setting in settings]
        positions = [index for index, values in enumerate(data, start=1) if values]
        if positions:  # a setting whose runs all missed 100% gets no box, only its label
            axis.boxplot([values for values in data if values], positions=positions, widths=0.5, showfliers=False)
        for position, values in zip(range(1, len(data) + 1), data):
            axis.scatter(position + jitter.uniform(-0.15, 0.15, len(values)), values, s=12, alpha=0.6, zorder=3)
        axis.set_xticks(range(1, len(settings) + 1), labels)
        axis.set_yscale("log")
        axis.set_ylabel(f"{unit} to 100% test accuracy")
        axis.grid(axis="y", which="both", alpha=0.3)
    seeds = len({run.seed for run in runs})
    figure.suptitle(title or f"Moons: updates and seconds to 100% test accuracy over {seeds} seeds per setting")
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=120)
        plt.close(figure)
    return figure
