"""Benchmark: how long ``tinygrad-moons train`` takes end to end, this checkout against an earlier commit.

    python benchmarks/bench_train_command.py [--before REF] [--rounds N] [--json PATH] [-- extra train options]

The command is run as a user runs it, ``python -m tinygrad_moons train``
with the default recipe and its figures (decision_boundary.png, curves.png,
graph.svg), each run a fresh process: start-up, imports (NumPy, scikit-learn,
matplotlib), the data, training and the figures all count. The two trees
run alternately (before, after, before, after, ...) so that a busy moment of
the machine hits both; each is run once first, unmeasured, so that Python's
bytecode caches and matplotlib's font cache exist for both. The table gives
the median wall time and the median CPU time (user + system of the process
and its children), and the ratio after / before.

The earlier tree is ``git archive REF`` unpacked into a temporary folder, and
each run finds its tree's ``tinygrad_moons`` through ``PYTHONPATH``
(checked before timing: a run that imported the other tree's package would
compare a tree with itself). The default REF is 5de3082, the last commit
before ``tinygrad_moons.compile`` (issue 15, whose "done when" asks for the
command to be faster end to end than it was then). Both trees run in this
interpreter with the same installed libraries, and with the environment as
it is: each tree's own thread settings (the current command limits BLAS to
one thread while it trains; the older one did not) are part of what it does.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
#: The last commit before ``tinygrad_moons.compile`` existed (issue 15's "today").
DEFAULT_BEFORE = "5de3082"


def unpack_commit(ref: str, folder: Path) -> Path:
    """Write the tree of commit ``ref`` into ``folder`` (``git archive``); returns the folder.

    A ``ref`` git does not know (a typo, a commit not fetched) ends the program with one line naming it and
    quoting git, rather than a CalledProcessError traceback that hides git's message.
    """
    archived = subprocess.run(["git", "-C", str(REPOSITORY), "archive", "--format=tar", ref], capture_output=True)
    if archived.returncode != 0:
        reason = archived.stderr.decode(errors="replace").strip().splitlines() or [f"exit status {archived.returncode}"]
        raise SystemExit(f"{Path(__file__).name}: error: --before {ref}: git archive failed: {reason[0]}")
    archive = archived.stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def command_environment(tree: Path) -> dict[str, str]:
    """The environment a run of ``tree``'s command gets: its package first on the path, no display."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tree), *filter(None, [env.get("PYTHONPATH")])])
    env["MPLBACKEND"] = "Agg"
    return env


def check_imports_from(tree: Path, cwd: Path) -> None:
    """Fail unless ``tree``'s command would import ``tree``'s own package (and not an installed one)."""
    found = subprocess.run(
        [sys.executable, "-c", "import tinygrad_moons; print(tinygrad_moons.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        env=command_environment(tree),
        cwd=cwd,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"bench_train_command: the run for {tree} imports tinygrad_moons from {found}, not its own")


def run_command(tree: Path, out_dir: Path, extra: list[str]) -> dict[str, float]:
    """One ``python -m tinygrad_moons train`` of ``tree``, writing into ``out_dir``: wall and CPU seconds.

    It runs in ``out_dir``'s parent: ``python -m`` puts the working folder first on the path, so running
    inside a checkout would import that checkout's package whatever ``PYTHONPATH`` says.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tinygrad_moons", "train", "--out", str(out_dir), *extra],
        capture_output=True,
        text=True,
        check=True,
        env=command_environment(tree),
        cwd=out_dir.parent,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu}


def measure(trees: dict[str, Path], rounds: int, extra: list[str], scratch: Path) -> dict[str, Any]:
    """Run every tree's command once unmeasured, then ``rounds`` times alternately; medians and every run."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    scratch.mkdir(parents=True, exist_ok=True)
    for name, tree in trees.items():
        check_imports_from(tree, scratch)
        run_command(tree, scratch / f"warm-up-{name}", extra)
    for round_number in range(rounds):
        for name, tree in trees.items():
            runs[name].append(run_command(tree, scratch / f"{name}-{round_number}", extra))
    return {
        name: {
            "median_wall_s": statistics.median(r["wall_s"] for r in results),
            "median_cpu_s": statistics.median(r["cpu_s"] for r in results),
            "runs": results,
        }
        for name, results in runs.items()
    }


def format_report(results: dict[str, Any]) -> str:
    """The table: median wall and CPU time of each tree, and after / before."""
    before, after = results["trees"]["before"], results["trees"]["after"]
    lines = [
        f"tinygrad-moons train {' '.join(results['extra_options'])}".rstrip()
        + f": {results['rounds']} alternating runs each, medians",
        f"{'tree':<34} {'wall (s)':>9} {'CPU (s)':>9}",
        f"{'before: ' + results['before_ref']:<34} {before['median_wall_s']:>9.3f} {before['median_cpu_s']:>9.3f}",
        f"{'after: ' + results['after_ref']:<34} {after['median_wall_s']:>9.3f} {after['median_cpu_s']:>9.3f}",
        f"{'after / before':<34} {after['median_wall_s'] / before['median_wall_s']:>9.3f}x"
        f" {after['median_cpu_s'] / before['median_cpu_s']:>8.3f}x",
    ]
    return "\n".join(lines)


def current_commit() -> str:
    """This checkout's commit, with ``+changes`` when the working tree differs from it."""
    commit = subprocess.run(
        ["git", "-C", str(REPOSITORY), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(REPOSITORY), "diff", "--quiet", "HEAD"], check=False).returncode != 0
    return commit + ("+changes" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark with ``argv`` (``sys.argv[1:]`` when None); print the table; return the exit status."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", default=DEFAULT_BEFORE, help="the earlier commit (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=9, help="measured runs of each tree (default: %(default)s)")
    parser.add_argument("--json", type=Path, default=None, help="also write every run to this JSON file")
    parser.add_argument("extra", nargs="*", help="options passed on to train in both trees (after --)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    with tempfile.TemporaryDirectory(prefix="bench-train-") as folder:
        scratch = Path(folder)
        before_tree = unpack_commit(args.before, scratch / "before-tree")
        trees = {"before": before_tree, "after": REPOSITORY}
        results = {
            "environment": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "logical_cores": os.cpu_count(),
                "load_average_at_start": os.getloadavg(),
            },
            "before_ref": args.before,
            "after_ref": current_commit(),
            "rounds": args.rounds,
            "extra_options": args.extra,
            "trees": measure(trees, args.rounds, args.extra, scratch / "runs"),
        }
        results["environment"]["load_average_at_end"] = os.getloadavg()
    print(format_report(results))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
