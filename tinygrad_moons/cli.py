"""The command line: ``tinygrad-moons train``, ``compare`` and ``graph``.

``tinygrad-moons train`` with no arguments trains this library's modern
default on the moons (see :mod:`tinygrad_moons.experiment`), shows a
progress bar, prints the final accuracy and loss, and writes the model,
its history and figures into a new folder under ``runs/``.
``tinygrad-moons compare`` reruns the course's experiment next to this
library's default and scikit-learn, on the same data split, and prints
a table. ``tinygrad-moons graph`` draws the computation graph of the
default model's loss. ``python -m tinygrad_moons`` is the same program.

Every subcommand is a function ``run_<name>(args) -> int``; :func:`main`
parses the arguments and turns a bad value into an argparse-style error
(usage line and message, exit status 2) rather than a traceback. Output
folders are created and proven writable before any training starts; a
command that fails or is interrupted before writing anything removes the
folders it created, and one that reuses a folder warns of the files an
earlier run left there that this run did not rewrite. Any other error is
unexpected: reported in one line (exit status 1), or with its
traceback under ``--debug``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import shutil
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

PROG = "tinygrad-moons"


def _recipe_names() -> list[str]:
    """The recipes' names, from :mod:`tinygrad_moons.experiment` (imported when the parser is built, not with cli)."""
    from tinygrad_moons.experiment import recipe_names

    return recipe_names()


def _lr_schedules() -> list[str]:
    """The recipes' learning-rate schedules ("cosine", "constant"), from :mod:`tinygrad_moons.experiment`."""
    from tinygrad_moons.experiment import LR_SCHEDULES

    return list(LR_SCHEDULES)


def _recipe_name(text: str) -> str:
    """``--recipe``'s type: the recipe's name, an old alias mapped to it ("seed" -> "course")."""
    from tinygrad_moons.experiment import canonical_recipe_name

    return canonical_recipe_name(text)


class UsageError(Exception):
    """A problem with what the user asked for, reported like argparse's own errors."""


# ------------------------------------------------------------ argument types
# argparse calls these on the raw strings; an ArgumentTypeError becomes "argument --lr: ..." and exit 2.
def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def positive_int(text: str) -> int:
    """A whole number of at least 1 (argparse type): ``"20"`` -> 20."""
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def sample_count(text: str) -> int:
    """A number of points, at least 2 so that both classes can appear (argparse type)."""
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"two classes need at least 2 samples, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """A whole number of 0 or more (argparse type), e.g. a seed."""
    value = _whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number greater than 0 (argparse type), e.g. a learning rate."""
    value = _finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number of 0 or more (argparse type), e.g. a noise level."""
    value = _finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def fraction(text: str) -> float:
    """A number strictly between 0 and 1 (argparse type), e.g. the test fraction."""
    value = _finite_float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must lie strictly between 0 and 1, got {text}")
    return value


def layer_widths(text: str) -> tuple[int, ...]:
    """``"25,50,50,25"`` -> (25, 50, 50, 25): the hidden layers' widths."""
    parts = [part.strip() for part in text.split(",")]
    if not text.strip() or any(not part for part in parts):
        raise argparse.ArgumentTypeError(f"expected comma-separated widths such as 25,50,50,25, got {text!r}")
    widths = []
    for part in parts:
        if not part.isdigit() or int(part) < 1:
            raise argparse.ArgumentTypeError(f"{part!r} in {text!r} is not a positive whole number")
        widths.append(int(part))
    return tuple(widths)


#: Other names of the course's randn*0.1 initializer, accepted by --init but listed once, as "normal".
INIT_ALIASES = ("course_normal", "seed_normal")


def initializer_name(text: str) -> str:
    """``--init``'s type: the name in lower case, an alias mapped to the listed name ("seed_normal" -> "normal").

    argparse checks ``choices`` after this, so the choices (and the help) list each initializer once.
    """
    from tinygrad_moons.nn import initializers

    name = initializers.canonical_name(text)
    return "normal" if name in INIT_ALIASES else name


FULL_BATCH = 0  # what --batch-size 0 / full parses to; the recipe spells it None


def batch_size(text: str) -> int:
    """A positive batch size, or ``0`` / ``full`` for the full batch (:data:`FULL_BATCH`)."""
    if text.strip().lower() in ("0", "full"):
        return FULL_BATCH
    try:
        return positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a positive whole number, or 0 / 'full' for the full batch, got {text!r}"
        ) from None


# ------------------------------------------------------------------ parser
def build_parser() -> argparse.ArgumentParser:
    """The ``tinygrad-moons`` argument parser with every subcommand (``train``, ``compare``, ``graph``, ...)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train small neural networks with an autograd engine you can read, and see inside them.",
        epilog=f"Run '{PROG} train' for the default experiment, '{PROG} <command> --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="<command>")

    train = commands.add_parser(
        "train",
        help="train a network (the modern default on the moons unless told otherwise)",
        description=(
            "Train the 2-25-50-50-25-1 network on scikit-learn's moons with this library's modern default "
            "(He-normal init, Adam lr 0.01 with cosine decay, batches of 32, 20 epochs), show progress, print "
            "the final train/test accuracy and loss, and write model.npz, history.json and figures into a new "
            "folder. Every option below changes one setting of the chosen --recipe; left out, the recipe's "
            "value holds (shown for the default recipe)."
        ),
    )
    train.add_argument(
        "--recipe",
        type=_recipe_name,
        choices=_recipe_names(),
        default="default",
        help="starting settings: this library's modern default; the course's (randn*0.1 init, gradient descent "
        "lr 0.01 on the full batch, 10,000 epochs); or the course's Keras model (Glorot init, SGD lr 0.01, "
        "batch 32, 150 epochs) (default: %(default)s)",
    )
    _add_data_options(train)
    add = train.add_argument
    add("--layers", type=layer_widths, help="hidden layer widths, comma-separated (default recipe: 25,50,50,25)")
    from tinygrad_moons import functional, optim
    from tinygrad_moons.nn import initializers

    add(
        "--activation",
        choices=functional.activation_names(),
        help="activation of the hidden layers (default recipe: relu); the output is one sigmoid unit",
    )
    add(
        "--init",
        type=initializer_name,
        choices=[name for name in initializers.names() if name not in INIT_ALIASES],
        help="initializer of the weights; 'normal' is the course's randn*0.1 and also sets the biases "
        "(default recipe: he_normal; the other names of 'normal', course_normal and seed_normal, are still accepted)",
    )
    add("--optimizer", choices=optim.names(), help="optimizer (default recipe: adam)")
    add("--lr", type=positive_float, help="learning rate, > 0 (default recipe: 0.01)")
    add(
        "--schedule",
        choices=_lr_schedules(),
        help="learning-rate schedule: decay to 0 along a cosine, or constant (default recipe: cosine)",
    )
    add("--epochs", type=positive_int, help="passes over the training set (default recipe: 20)")
    add("--batch-size", type=batch_size, help="samples per update; 0 or 'full' for the full batch (default recipe: 32)")
    add(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seed of the data, the split, the initial weights and the batch order (default: %(default)s)",
    )
    _add_output_options(train, "a new folder runs/<recipe>-<dataset>-<date-time>")
    _add_threads_option(train)
    add("--gif", action="store_true", help="also write training.gif, the decision boundary as it forms (slower)")
    train.set_defaults(handler=run_train, subparser=train)

    compare = commands.add_parser(
        "compare",
        help="rerun the course's experiment next to this library and scikit-learn, and print a table",
        description=(
            "Train on the same split of the moons: (a) the course's hand-written NumPy network with the course's "
            "settings, (b) this library with the course's settings from the same initial weights, (c) this "
            "library with the course's Keras settings, (d) this library's modern default, (e) scikit-learn's "
            "MLPClassifier with the same layers, and (f) PyTorch if it is installed. Prints test accuracy, loss, "
            "epochs/updates/seconds to 100% test accuracy and wall time, and writes compare.json (and "
            "compare.png) into a folder."
        ),
    )
    add = compare.add_argument
    add(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seed of the data, the split and every model's initial weights (default: %(default)s)",
    )
    add(
        "--iterations",
        type=positive_int,
        default=10_000,
        help="full-batch iterations for the course's settings, rows (a) and (b) (default: %(default)s)",
    )
    add("--epochs", type=positive_int, default=20, help="epochs of the modern default, row (d) (default: %(default)s)")
    add(
        "--keras-epochs",
        type=positive_int,
        default=150,
        help="epochs of the course's Keras settings, row (c) (default: %(default)s)",
    )
    add(
        "--sklearn-epochs",
        type=positive_int,
        default=200,
        help="epochs of scikit-learn's MLPClassifier (its max_iter) (default: %(default)s)",
    )
    add("--no-torch", action="store_true", help="leave PyTorch out even if it is installed")
    _add_output_options(compare, "a new folder runs/compare-<date-time>", "progress bar")
    _add_threads_option(compare)
    compare.set_defaults(handler=run_compare, subparser=compare)
    _add_graph_command(commands)
    _add_sweep_command(commands)
    _add_backprop_command(commands)
    _add_playground_command(commands)
    return parser


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    from tinygrad_moons import data

    parser.add_argument("--dataset", choices=data.names(), help="the data set (default recipe: moons)")
    parser.add_argument("--samples", type=sample_count, help="number of points, at least 2 (default recipe: 1000)")
    parser.add_argument(
        "--noise",
        type=non_negative_float,
        help="standard deviation of the noise; for blobs the clusters' (default: the data set's own, 0.1 for moons)",
    )
    parser.add_argument(
        "--test-size",
        type=fraction,
        help="fraction of the points held out for testing, stratified (default recipe: 0.2)",
    )


def _add_output_options(parser: argparse.ArgumentParser, default_out: str, progress: str = "progress bar") -> None:
    parser.add_argument("--out", type=Path, help=f"folder for the outputs (default: {default_out})")
    parser.add_argument("--quiet", action="store_true", help=f"no {progress}; print only the results")
    parser.add_argument(
        "--no-figures", action="store_true", help="do not draw figures (faster; no matplotlib or Graphviz needed)"
    )


def _add_threads_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--threads",
        type=non_negative_int,
        default=1,
        help="threads of NumPy's BLAS for the matrix products; 0: the library's own default, often one per core "
        "(default: %(default)s, fastest for these small networks)",
    )


#: The commands that compute something and exit (all but the playground's server). They train or run networks, and
#: so do many small matrix products: on one BLAS thread (:func:`blas_threads`).
ONE_SHOT_COMMANDS = ("train", "compare", "sweep", "graph", "backprop")
#: The one-shot commands that train one network: they run with Python's cyclic garbage collector paused
#: (:func:`collector_paused`). Not compare and sweep: each of their runs leaves a few MB in reference cycles (a
#: compiled step and its buffers), which a sweep of hundreds of runs in one process would pile up.
ONE_RUN_COMMANDS = ("train", "graph", "backprop")


def blas_threads(args: argparse.Namespace) -> contextlib.AbstractContextManager[Any]:
    """A context that limits NumPy's BLAS to ``args.threads`` threads (default 1) for a training command.

    The networks here are tiny (at most 1000 × 50 by 50 × 50): OpenBLAS's
    thread pool only costs time, more so on a busy machine (measured on a
    busy two-core machine: ``train --recipe course --epochs 500`` took 7.56 s
    with OpenBLAS's default threads, 0.61 s with one). ``--threads 0`` and
    the commands that train nothing leave the library's default alone. The
    loky workers of ``sweep`` get their limit from joblib itself.
    """
    threads = getattr(args, "threads", 1)
    if args.command not in ONE_SHOT_COMMANDS or threads == 0:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads, user_api="blas")


@contextlib.contextmanager
def collector_paused(args: argparse.Namespace) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a command that trains one network runs (:data:`ONE_RUN_COMMANDS`).

    Most of such a command's time is importing scikit-learn, SciPy and
    matplotlib, and while they load the collector walks their hundreds of
    thousands of objects again and again: 0.14 s of the 2 s ``train``
    (benchmarks/bench_train_command.py measures the command). The one run
    leaves what it leaves in reference cycles once, whatever its length
    (nothing makes a cycle per step or per epoch; tests/test_cli.py checks
    it), so the memory the pause holds back is bounded. ``compare``,
    ``sweep`` (many runs) and the playground's server keep the collector.
    Its earlier state comes back afterwards, so calling :func:`main` from
    Python changes nothing.
    """
    if args.command not in ONE_RUN_COMMANDS or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def run_program() -> NoReturn:
    """The ``tinygrad-moons`` program (and ``python -m tinygrad_moons``): :func:`main` on ``sys.argv``, then exit.

    Before exiting it freezes the garbage collector's objects (``gc.freeze``),
    so that the interpreter's last collections at exit skip them: walking
    everything scikit-learn, SciPy and matplotlib created took 0.2 s after
    the work was done. The operating system takes the memory back in one go.
    """
    status = main()
    gc.freeze()
    sys.exit(status)


def _version() -> str:
    from tinygrad_moons import __version__

    return __version__


# -------------------------------------------------------------------- train
def recipe_from_args(args: argparse.Namespace) -> Any:
    """The recipe named by ``--recipe``, with every option the user gave applied on top."""
    from tinygrad_moons.experiment import get_recipe

    recipe = get_recipe(args.recipe).replace(seed=args.seed)
    changes: dict[str, Any] = {}
    for option, field in [
        ("dataset", "dataset"),
        ("samples", "n_samples"),
        ("noise", "noise"),
        ("test_size", "test_size"),
        ("layers", "hidden_layers"),
        ("activation", "activation"),
        ("optimizer", "optimizer"),
        ("lr", "learning_rate"),
        ("schedule", "lr_schedule"),
        ("epochs", "epochs"),
    ]:
        value = getattr(args, option)
        if value is not None:
            changes[field] = value
    if args.batch_size is not None:
        changes["batch_size"] = None if args.batch_size == FULL_BATCH else args.batch_size
    dataset = changes.get("dataset", recipe.dataset)
    if changes.get("noise", recipe.noise) is None:  # record the noise used, not "the data set's own" (null)
        from tinygrad_moons.data import DEFAULT_NOISE

        changes["noise"] = DEFAULT_NOISE[dataset]
    if args.init is not None:
        changes["kernel_initializer"] = args.init
        # The course's init draws biases from the same normal; the others leave biases at zero, as Keras does.
        changes["bias_initializer"] = args.init if args.init == "normal" else "zeros"
    return recipe.replace(**changes)


def run_train(args: argparse.Namespace) -> int:
    """``tinygrad-moons train``: train the recipe, print the results, write the model, history and figures."""
    from tinygrad_moons import experiment

    recipe = recipe_from_args(args)
    try:
        split = experiment.make_split(recipe)
    except ValueError as error:  # e.g. too few samples to stratify: the options asked for something impossible
        raise UsageError(str(error)) from None
    out_dir = _writable_folder(_output_folder(args.out, f"{recipe.name}-{recipe.dataset}"))
    verbose = 0 if args.quiet else 1
    if not args.quiet:
        for line in describe_run(recipe, split):
            say(line)
    callbacks = _figure_callbacks(args, recipe, split)
    label = f"tinygrad_moons, {recipe.name} settings"
    # The course's init starts from the course network's own draw, as compare's row (b) does: the same run.
    initial = experiment.course_initial_parameters(recipe)
    result = experiment.train(
        recipe, split, verbose=verbose, callbacks=callbacks, label=label, initial_parameters=initial
    )
    say(f"train: accuracy {result.train_accuracy:.1%}, loss {result.train_loss:.4f}")
    say(f"test:  accuracy {result.test_accuracy:.1%}, loss {result.test_loss:.4f}")
    took = f"training took {result.seconds:.2f} s" + (" (capturing the GIF's frames included)" if callbacks else "")
    if result.epochs_to_perfect is None:
        say(f"100% test accuracy was not reached in {count(result.epochs, 'epoch')}; {took}")
    else:
        say(
            f"100% test accuracy first reached after epoch {result.epochs_to_perfect:,} "
            f"({count(result.updates_to_perfect or 0, 'update')}, {result.seconds_to_perfect:.2f} s); {took}"
        )
    written = [Path(result.model.save(out_dir / "model.npz"))]
    record = {"recipe": recipe.to_dict(), "result": result.summary(), "history": result.history}
    written.append(_write_json(out_dir / "history.json", record))
    if not args.no_figures:
        written += _write_training_figures(result, split, out_dir, callbacks)
    say(f"wrote {out_dir}: " + ", ".join(path.name for path in written))
    _warn_of_earlier_outputs("train", out_dir, written, TRAIN_OUTPUTS)
    return 0


def describe_run(recipe: Any, split: Any) -> list[str]:
    """The lines ``train`` prints before training: the data, the network and the training settings."""
    from tinygrad_moons.experiment import uses_course_init

    noise = recipe.noise
    if noise is None:
        from tinygrad_moons.data import DEFAULT_NOISE

        noise = DEFAULT_NOISE[recipe.dataset]
    sizes = "-".join(str(size) for size in recipe.layer_sizes)
    weights = sum(a * b + b for a, b in zip(recipe.layer_sizes[:-1], recipe.layer_sizes[1:]))
    lines = [
        f"data: {recipe.dataset}, {count(recipe.n_samples, 'point')}, noise {noise:g}; "
        f"{len(split.X_train):,} train / {len(split.X_test):,} test (stratified), seed {recipe.seed}",
        f"network: {sizes} ({recipe.activation}, sigmoid output), {count(weights, 'parameter')}",
        f"training: {recipe.describe()}, {count(recipe.epochs, 'epoch')}",
    ]
    if uses_course_init(recipe):
        lines.append("initial weights: the course network's own draw, as in compare's row (b)")
    return lines


# -------------------------------------------------------------- figure hooks
# The drawing lives in tinygrad_moons.viz; these three functions are the only places the command line calls it.
def _figure_callbacks(args: argparse.Namespace, recipe: Any, split: Any) -> list[Any]:
    """Callbacks that watch training for the figures (the GIF's ~100 frames), when asked for."""
    if args.no_figures or not args.gif:
        return []
    from tinygrad_moons.experiment import updates_per_epoch
    from tinygrad_moons.viz.figures import training_recorder

    total_updates = recipe.epochs * updates_per_epoch(recipe, len(split.X_train))
    return [training_recorder(split.X_train, split.y_train, split.X_test, split.y_test, total_updates)]


def _write_training_figures(result: Any, split: Any, out_dir: Path, callbacks: Sequence[Any]) -> list[Path]:
    """decision_boundary.png, curves.png, graph.svg and, with --gif, training.gif."""
    from tinygrad_moons.viz.animation import DecisionBoundaryRecorder
    from tinygrad_moons.viz.figures import write_training_figures

    recorder = next((c for c in callbacks if isinstance(c, DecisionBoundaryRecorder)), None)
    written = write_training_figures(
        result.model,
        result.history,  # fit's own history plus the test split's val_loss/val_accuracy, scored by experiment.run
        split.X_train,
        split.y_train,
        split.X_test,
        split.y_test,
        out_dir,
        recorder=recorder,
    )
    return list(written.values())


def _write_comparison_figure(results: Sequence[Any], split: Any, out_dir: Path) -> list[Path]:
    """compare.png: one decision-boundary panel per compared model."""
    from tinygrad_moons.viz.figures import comparison_models, write_comparison

    models = comparison_models(results)
    return [write_comparison(models, split.X_train, split.y_train, split.X_test, split.y_test, out_dir / "compare.png")]


# -------------------------------------------------------------------- graph
def _add_graph_command(commands: Any) -> None:
    graph = commands.add_parser(
        "graph",
        help="draw the computation graph of the default model's loss with Graphviz (graph.svg)",
        description=(
            "Build the recipe's network, take one training step on one mini-batch, and draw the graph of its loss "
            "on that batch: the data, the parameters by name, every op, grouped in one box per layer. Rendering "
            "needs a dot program: the one from graphviz-pure (installed with this package) or a system Graphviz "
            "(preferred when on PATH; TINYGRAD_MOONS_DOT names another). The suffix of --out picks the format "
            "(.svg, .png, .jpg, .json, ...; .pdf with a system Graphviz); another is refused, with the list, "
            "unless --format names the format (then it is appended: run.v2 -> run.v2.svg). "
            "Without a renderer the DOT source is written instead."
        ),
    )
    add = graph.add_argument
    recipes = _recipe_names()
    add(
        "--recipe",
        type=_recipe_name,
        choices=recipes,
        default="default",
        help="the network and training settings, see train --help (default: %(default)s)",
    )
    add(
        "--format",
        help="image format, any the renderer writes (svg, png, ...) (default: from --out's suffix, else svg)",
    )
    add("--collapse", action="store_true", help="draw each layer as one box (for large models)")
    add("--values", action="store_true", help="show each tensor's value (up to six numbers, else mean/std/min/max)")
    add("--grads", action="store_true", help="show each tensor's gradient and colour the parameters by gradient size")
    add("--rankdir", choices=("TB", "LR"), default="TB", help="top to bottom or left to right (default: %(default)s)")
    add(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seed of the data, the split and the initial weights (default: %(default)s)",
    )
    add(
        "--out",
        help="the file to write, its suffix naming the format, or a folder (an existing one, or ending in /) to "
        "write graph.<format> into (default: graph.<format> here)",
    )
    graph.set_defaults(handler=run_graph, subparser=graph)


def run_graph(args: argparse.Namespace) -> int:
    """``tinygrad-moons graph``: check that the renderer writes the asked-for format, then draw and render."""
    import warnings

    from tinygrad_moons import experiment
    from tinygrad_moons.experiment import recipe_graph
    from tinygrad_moons.viz import renderer

    recipe = experiment.get_recipe(args.recipe).replace(seed=args.seed)
    name = f"graph.{(args.format or 'svg').lower()}"
    path = Path(args.out) if args.out else Path(name)
    if args.out and (args.out.endswith(("/", "\\")) or path.is_dir()):
        path = path / name
    suffix = path.suffix.lower().lstrip(".")
    writable = renderer.supported_formats() or renderer.FORMATS  # without a renderer the .dot is written instead
    if args.format and suffix in writable and suffix != args.format.lower():
        raise UsageError(f"--out {path} ends in .{suffix} but --format {args.format} was asked for")
    try:  # before any work: a suffix or format the renderer cannot write is refused with the list of those it can
        format = renderer.output_format(path, args.format)
    except ValueError as error:
        raise UsageError(str(error)) from None
    _writable_folder(path.parent)
    with warnings.catch_warnings(record=True) as caught:  # "no renderer, wrote the .dot": say it plainly
        warnings.simplefilter("always")
        written = recipe_graph(
            recipe,
            path,
            format,
            collapse=args.collapse,
            show_values=args.values,
            show_grads=args.grads,
            grad_flow=args.grads,
            rankdir=args.rankdir,
        )
    for warning in caught:
        say(f"{PROG} graph: warning: {warning.message}", file=sys.stderr)
    say(f"wrote {written}")
    return 0


# ----------------------------------------------------------------- backprop
def _add_backprop_command(commands: Any) -> None:
    backprop = commands.add_parser(
        "backprop",
        help="write a page that steps through one backward pass of the course's network, with the numbers",
        description=(
            "Build the recipe's network (the course's 2-25-50-50-25-1 unless --layers says otherwise), run it on the "
            "first --points training points, trace the backward pass of its loss, and write one self-contained HTML "
            "file (no server, works offline): the graph with the active step highlighted, and for a chosen sample "
            "and unit the rule, the upstream gradient, the local derivative and the gradients sent, step by step; "
            "a toggle shows the forward pass. --gif also writes the steps as PNG frames and a GIF."
        ),
    )
    add = backprop.add_argument
    add(
        "--recipe",
        type=_recipe_name,
        choices=_recipe_names(),
        default="course",
        help="initial weights, see train --help (default: %(default)s)",
    )
    add("--layers", type=layer_widths, help="hidden layer widths, comma-separated (default: the recipe's, 25,50,50,25)")
    add(
        "--points",
        type=positive_int,
        default=8,
        help="how many training points the pass runs on (default: %(default)s)",
    )
    add(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seed of the data, the split and the initial weights (default: %(default)s)",
    )
    add(
        "--out",
        type=Path,
        default=Path("backprop.html"),
        help="the HTML file to write, .html or no suffix (default: %(default)s)",
    )
    add("--gif", action="store_true", help="also write <out>.gif and PNG frames in <out>_frames/ (matplotlib)")
    backprop.set_defaults(handler=run_backprop, subparser=backprop)


def run_backprop(args: argparse.Namespace) -> int:
    """``tinygrad-moons backprop``: trace one backward pass and write the page (and with ``--gif`` the frames)."""
    from tinygrad_moons import experiment
    from tinygrad_moons.experiment import trace_recipe_network
    from tinygrad_moons.viz.backprop import write_gif, write_page

    recipe = experiment.get_recipe(args.recipe).replace(seed=args.seed)
    if args.layers is not None:
        recipe = recipe.replace(hidden_layers=args.layers)
    out = args.out if args.out.suffix else args.out.with_suffix(".html")
    if out.suffix.lower() not in (".html", ".htm"):  # the page is HTML whatever its name says
        raise UsageError(f"--out {out}: the page is written as HTML; name it .html (or leave the suffix out)")
    _writable_folder(out.parent if str(out.parent) else Path("."))
    try:
        run = trace_recipe_network(recipe, args.points)
    except ValueError as error:  # more points than the training set has
        raise UsageError(str(error)) from None
    gif, frames = out.with_suffix(".gif"), out.with_name(out.stem + "_frames")
    written = [write_page(run, out)]
    if args.gif:
        written.append(write_gif(run, gif, png_folder=frames))
    say(f"{run.title}; {count(len(run.tape.steps), 'backward step')}")
    say("wrote " + ", ".join(str(path) for path in written))
    frames_written = [frames / f"step_{step.number:02d}.png" for step in run.tape.steps] if args.gif else []
    frame_names = [f"{frames.name}/{png.name}" for png in sorted(frames.glob("step_*.png"))]
    _warn_of_earlier_outputs("backprop", out.parent, [*written, *frames_written], [gif.name, *frame_names])
    return 0


# ------------------------------------------------------------------ compare
class RunProgress:
    """A progress bar (tqdm, on stderr) over the runs of ``compare``: each message starts the next run.

    ``experiment.compare`` calls ``progress(message)`` before each run; the
    bar counts the runs finished and shows what is being trained now.
    """

    def __init__(self, total: int | None):
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc="compare", unit="run", file=sys.stderr, dynamic_ncols=True)
        self.started = False

    def __call__(self, message: str) -> None:
        """A new run begins: count the previous one as done and show ``message``."""
        if self.started:
            self.bar.update(1)
        self.started = True
        self.bar.set_postfix_str(f"training {message}")

    def close(self) -> None:
        """The last run is done: count it and close the bar."""
        if self.started:
            self.bar.update(1)
        self.bar.set_postfix_str("")
        self.bar.close()


def run_compare(args: argparse.Namespace) -> int:
    """``tinygrad-moons compare``: train every contender on one split, with a progress bar, and print the table."""
    from tinygrad_moons import experiment

    out_dir = _writable_folder(_output_folder(args.out, "compare"))
    runs = 5 + int(not args.no_torch and experiment.torch_available())  # rows (a)-(e), and (f) with PyTorch
    progress = None if args.quiet else RunProgress(runs)
    try:
        split, results = experiment.compare(
            seed=args.seed,
            course_iterations=args.iterations,
            default_epochs=args.epochs,
            keras_epochs=args.keras_epochs,
            sklearn_epochs=args.sklearn_epochs,
            include_torch=not args.no_torch,
            progress=progress,
        )
    finally:
        if progress is not None:
            progress.close()
    say()
    say(
        f"moons, {count(len(split.X_train) + len(split.X_test), 'point')} (noise 0.1), {len(split.X_train):,} train / "
        f"{len(split.X_test):,} test, seed {args.seed}; network 2-25-50-50-25-1"
    )
    table = experiment.format_table(results)
    print(table)  # a table is not wrapped: its rows would tear
    explanation = experiment.explain(results)
    if explanation:
        print()
        print(explanation)  # experiment.explain writes its own lines
    content = {"seed": args.seed, "results": [result.summary() for result in results], "table": table}
    written = [_write_json(out_dir / "compare.json", content)]
    if not args.no_figures:
        written += _write_comparison_figure(results, split, out_dir)
    say()
    say(f"wrote {out_dir}: " + ", ".join(path.name for path in written))
    _warn_of_earlier_outputs("compare", out_dir, written, COMPARE_OUTPUTS)
    return 0


# -------------------------------------------------------------------- sweep
def _add_sweep_command(commands: Any) -> None:
    sweep = commands.add_parser(
        "sweep",
        help="train the course's settings and the default over many seeds in parallel; table and box plot",
        description=(
            "Train each setting once per seed (the seed changes the data, the split, the initial weights and the "
            "batch order) until 100% test accuracy or its last epoch, in parallel with joblib, and print per "
            "setting how many runs reached 100% and the median, quartiles and range of the updates and seconds "
            "they needed. Writes sweep.json and sweep.png into a folder. Settings: course (randn*0.1 init, gradient "
            "descent lr 0.01 on the full batch, up to 10,000 epochs), course-keras (Glorot init, SGD lr 0.01, batch "
            "32, up to 150 epochs), default (He-normal init, Adam lr 0.01 cosine, batch 32, 20 epochs)."
        ),
    )
    sweep.add_argument(
        "--settings",
        nargs="+",
        type=_recipe_name,
        choices=_recipe_names(),
        default=_recipe_names(),
        help="the settings to run (default: all)",
    )
    sweep.add_argument(
        "--seeds", type=positive_int, default=20, help="runs per setting, with seeds 0..N-1 (default: %(default)s)"
    )
    sweep.add_argument(
        "--max-epochs",
        type=positive_int,
        help="cap on every setting's epochs, e.g. 2000 to keep the full-batch setting short "
        "(default: each recipe's own)",
    )
    sweep.add_argument(
        "--jobs", type=int, default=-1, help="parallel workers, joblib's n_jobs; -1: every core (default: %(default)s)"
    )
    sweep.add_argument(
        "--backend",
        default="loky",
        help="joblib back-end: loky (processes), threading, sequential, or a registered one such as dask "
        "(default: %(default)s)",
    )
    sweep.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --backend dask: the Dask scheduler to run on, e.g. tcp://10.0.0.5:8786 "
        "(needs the distributed package)",
    )
    _add_output_options(sweep, "a new folder runs/sweep-<date-time>")
    sweep.set_defaults(handler=run_sweep, subparser=sweep)


def run_sweep(args: argparse.Namespace) -> int:
    """``tinygrad-moons sweep``: train each setting over many seeds in parallel; print and save the summary."""
    from tinygrad_moons import sweep

    if args.jobs == 0:
        raise UsageError("--jobs must not be 0 (use -1 for every core)")
    if args.scheduler and args.backend != "dask":
        raise UsageError(f"--scheduler is for --backend dask, not {args.backend}")
    known_backends = sweep.joblib_backends()
    if args.backend not in known_backends:
        raise UsageError(f"--backend {args.backend!r} is not a joblib back-end (known: {', '.join(known_backends)})")
    backend_params = {"scheduler_host": args.scheduler} if args.scheduler else {}
    out_dir = _writable_folder(_output_folder(args.out, "sweep"))
    if not args.quiet:
        cap = f", at most {count(args.max_epochs, 'epoch')}" if args.max_epochs else ""
        settings = ", ".join(args.settings)
        say(f"training {settings} × {count(args.seeds, 'seed')}{cap} on joblib's {args.backend} back-end ...")
    runs = sweep.run_sweep(
        args.settings,
        args.seeds,
        args.max_epochs,
        n_jobs=args.jobs,
        backend=args.backend,
        verbose=0 if args.quiet else 5,
        **backend_params,
    )
    table = sweep.format_summary(runs)
    print()
    print(table)
    content = {
        "settings": args.settings,
        "seeds": args.seeds,
        "max_epochs": args.max_epochs,
        "summary": sweep.summarize(runs),
        "runs": [run.to_dict() for run in runs],
        "table": table,
    }
    written = [_write_json(out_dir / "sweep.json", content)]
    if not args.no_figures:
        sweep.plot_sweep(runs, out_dir / "sweep.png")
        written.append(out_dir / "sweep.png")
    print(f"\nwrote {out_dir}: " + ", ".join(path.name for path in written))
    _warn_of_earlier_outputs("sweep", out_dir, written, SWEEP_OUTPUTS)
    return 0


# ------------------------------------------------------------------ helpers
def count(number: int, noun: str, plural: str | None = None) -> str:
    """``number`` with its noun in the right number and thousands separators: ``1 epoch``, ``1,000 points``."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def terminal_width(stream: Any = None) -> int | None:
    """Columns to wrap printed prose to: ``COLUMNS`` if set, else the terminal's, else None (not a terminal).

    Output piped into a file or another program is not wrapped, so that each
    result stays on one line for ``grep``.
    """
    stream = stream or sys.stdout
    if "COLUMNS" not in os.environ and not (hasattr(stream, "isatty") and stream.isatty()):
        return None
    return shutil.get_terminal_size((80, 24)).columns


def say(text: str = "", file: Any = None) -> None:
    """Print ``text`` wrapped to the terminal's width (:func:`terminal_width`), each of its lines separately.

    Continuation lines are indented two spaces, so a wrapped sentence still
    reads as one item; paths and numbers are never broken. Only prose goes
    through here: tables are printed as they are, since wrapping a row would
    tear its columns apart.
    """
    width = terminal_width(file)
    for line in text.split("\n"):
        if width is not None and line:
            # one spare column: some terminals wrap a line that fills them exactly
            line = textwrap.fill(
                line, max(width - 1, 20), subsequent_indent="  ", break_on_hyphens=False, break_long_words=False
            )
        print(line, file=file)


def _output_folder(out: Path | None, stem: str) -> Path:
    """``out`` if given; otherwise a new folder ``runs/<stem>-<date-time>`` that does not exist yet."""
    if out is not None:
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out} exists and is not a folder")
        return out
    base = Path("runs") / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    folder, number = base, 2
    while folder.exists():
        folder = base.with_name(f"{base.name}-{number}")
        number += 1
    return folder


#: The folders the running command created (deepest first), for :func:`_folders_removed_if_left_empty`.
_created_folders: list[Path] = []


def _writable_folder(folder: Path) -> Path:
    """``folder``, created if needed and proven writable, before any training: a run is never lost to a bad --out.

    The folders it creates are noted, so that a command interrupted before writing anything does not leave them behind
    (:func:`_folders_removed_if_left_empty`).
    """
    _created_folders[:0] = [path for path in (folder, *folder.parents) if not path.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(f"--out {folder}: cannot write there ({reason}: {error.filename or folder})") from None
    return folder


@contextlib.contextmanager
def _folders_removed_if_left_empty() -> Iterator[None]:
    """Around a command: if it fails or is interrupted (Ctrl+C), remove the folders it created that are still empty.

    ``train`` and ``compare`` create their folder before training (:func:`_writable_folder`); a Ctrl+C during
    training used to leave that empty folder behind. Only folders this command created are removed, deepest first,
    and only while empty (``rmdir`` refuses a folder that holds anything): nothing anyone wrote is ever deleted.
    """
    _created_folders.clear()
    try:
        yield
    except BaseException:
        for folder in _created_folders:
            try:
                folder.rmdir()
            except OSError:  # not empty (the command wrote something), or gone: leave it as it is
                pass
        raise
    finally:
        _created_folders.clear()


#: The files each command writes into its folder: only these are named by :func:`_warn_of_earlier_outputs`.
#: (graph.dot is the loss graph's DOT source, written instead of graph.svg where no Graphviz renderer exists.)
TRAIN_OUTPUTS = (
    "model.npz", "history.json", "decision_boundary.png", "curves.png", "graph.svg", "graph.dot", "training.gif"
)
COMPARE_OUTPUTS = ("compare.json", "compare.png")
SWEEP_OUTPUTS = ("sweep.json", "sweep.png")


def _warn_of_earlier_outputs(command: str, folder: Path, written: Sequence[Path], names: Sequence[str]) -> None:
    """Warn (one line, on stderr) of files in ``folder`` that ``command`` writes but this run did not: an earlier run's.

    ``train --no-figures --out <a folder used before>`` wrote the new model.npz beside the earlier run's
    decision_boundary.png and curves.png, silently: a reader then saw pictures of a different model. They are
    not deleted (they may be wanted); the warning names them. Files with other names are the user's own and
    are not mentioned.
    """
    fresh = {Path(path).resolve() for path in written}
    earlier = [name for name in names if (folder / name).resolve() not in fresh and (folder / name).is_file()]
    files_in_subfolders: dict[str, int] = {}  # e.g. backprop's frames: counted, not listed one by one
    for name in earlier:
        if "/" in name:
            subfolder = name.rsplit("/", 1)[0]
            files_in_subfolders[subfolder] = files_in_subfolders.get(subfolder, 0) + 1
    described = [name for name in earlier if "/" not in name]
    described += [f"{count(number, 'file')} in {subfolder}/" for subfolder, number in files_in_subfolders.items()]
    if earlier:
        say(
            f"{PROG} {command}: warning: {folder} also holds {', '.join(described)} from an earlier run, "
            "not from this one (delete them, or use a new --out)",
            file=sys.stderr,
        )


def _write_json(path: Path, content: Any) -> Path:
    """JSON with non-finite numbers written as null (strict JSON has no NaN or Infinity)."""
    path.write_text(json.dumps(_finite(content), indent=1) + "\n")
    return path


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # NumPy scalars
        return _finite(value.item())
    return value


# --------------------------------------------------------------- playground
def _add_playground_command(commands: Any) -> None:
    playground = commands.add_parser(
        "playground",
        help="open the playground: build a network, draw data and watch it train live in the browser",
        description=(
            "Start the playground's web server on 127.0.0.1 (this machine only), print its URL and open it in "
            "the browser. One page per tab, each with its own network trained in its own thread: pick or draw "
            "data (moons, circles, spirals, xor, blobs with 2-5 classes, CSV), build the layers, then play, step "
            "or reset to the same initial weights, and watch the decision boundary, the loss and accuracy curves, "
            "the network's weights and units, the computation graph's gradients and the backward pass step by "
            "step. Exports the model file and the Keras- or PyTorch-style Python code that reproduces the run. "
            "Needs Starlette and uvicorn (pip install -e '.[playground]'). Stop it with Ctrl+C."
        ),
    )
    playground.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 to listen on; 0 picks a free one (default: %(default)s)"
    )
    playground.add_argument("--no-browser", action="store_true", help="only print the URL; do not open a browser")
    playground.set_defaults(handler=run_playground, subparser=playground)


def run_playground(args: argparse.Namespace) -> int:
    """``tinygrad-moons playground``: serve the playground on 127.0.0.1 until Ctrl+C."""
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be from 0 to 65535, got {args.port}")
    try:
        import starlette  # noqa: F401 (checked here to say how to install them)
        import uvicorn  # noqa: F401

        from tinygrad_moons.playground import serve
    except ImportError as error:
        raise UsageError(f"the playground needs {error.name}: pip install -e '.[playground]'") from None
    try:
        serve(port=args.port, open_browser=not args.no_browser)
    except OSError as error:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port}: {error.strerror or error}") from None
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (``sys.argv[1:]`` when None); returns the exit status.

    A problem with the arguments is a usage error (usage line, message, exit
    status 2). Anything else is unexpected: one line naming the error and exit
    status 1, or, with ``--debug`` (anywhere on the line), the full traceback.
    """
    arguments = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in arguments
    arguments = [argument for argument in arguments if argument != "--debug"]
    parser = build_parser()
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an unexpected error")
    args = parser.parse_args(arguments)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        with blas_threads(args), collector_paused(args), _folders_removed_if_left_empty():
            return args.handler(args)
    except UsageError as error:
        args.subparser.error(str(error))  # prints the command's usage and the message, exits with status 2
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `tinygrad-moons train | head -3`): stop quietly, as Unix tools do.
        # Point stdout at /dev/null so Python's flush at exit does not raise a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a program killed by a broken pipe
    except Exception as error:  # not the user's doing: say what it was, and how to see where
        if debug:
            raise
        print(f"{PROG} {args.command}: error: {type(error).__name__}: {error}", file=sys.stderr)
        print(f"{PROG}: this is unexpected; run again with --debug to see the traceback", file=sys.stderr)
        return 1
    return 1  # pragma: no cover (error() exits)
