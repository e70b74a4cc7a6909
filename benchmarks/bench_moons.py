"""Benchmark: the course project's workload on tinygrad_moons, its hand-written NumPy network and PyTorch.

    python benchmarks/bench_moons.py [--rounds N] [--json PATH] [--quick] [--threads N] [--steps-only] [--scaling]

The workload is the course project's (``experiment.COURSE``): ``make_moons(n_samples=1000, noise=0.1,
random_state=0)``, a stratified 80/20 split (800 training points), the
2-25-50-50-25-1 ReLU/sigmoid network, the average binary cross-entropy and
plain gradient descent (lr 0.01). Every contender starts from the same weights
(the hand-written network's), so all of them compute the same steps.

The contenders that also take part in ``tinygrad-moons compare`` are built by
the same code (:mod:`tinygrad_moons.experiment.contenders`: the hand-written
network, this library's ``Sequential`` from given weights and its explicit
training step, PyTorch's model and step); the classes below only add what a
timing needs (a dtype, fixed batches, a full-batch step and an epoch).

What is measured, all in this one process unless said otherwise:

* one full-batch training step (forward, backward, update on the 800 points)
  and one mini-batch epoch (25 steps of 32 points, the same batches for
  everyone), for (a) the course's hand-written network
  (``tinygrad_moons.reference``), (b) tinygrad_moons written as a user would
  (``nn.Sequential`` of ``nn.Dense``, the course's Keras loss
  ``nn.BinaryCrossentropy``, ``optim.SGD`` and the explicit loop,
  ``contenders.explicit_step``), the same step through ``tinygrad_moons.compile``, the
  plain-Tensor loop a PyTorch user writes (``A @ W + b``, ``relu``,
  ``F.binary_cross_entropy``, SGD by hand) eager and compiled, (c) a lean
  hand-written NumPy step (unrolled, in place), (d) PyTorch eager on the CPU
  if it is installed (never a dependency), with Sigmoid + ``BCELoss`` as its
  users write it and with ``BCEWithLogitsLoss`` (the fused loss that
  ``nn.BinaryCrossentropy`` computes through the sigmoid's logits), (e) JAX's ``jit`` if JAX is importable
  (never a dependency); each
  in float64 and float32. Contenders run interleaved
  (A B C A B C ...), several rounds; the table gives the median round, the
  fastest and the slowest, and page faults per step;
* the full-batch float64 step of the hand-written network and of
  tinygrad_moons each alone in a fresh process, alternately: in one process the
  contenders share one allocator, alone each meets glibc's heap trimming as a
  script of its own would (page faults per step). Run twice, as is and with
  ``MALLOC_TRIM_THRESHOLD_`` set (glibc never trims): which contender faults
  is allocator luck, so both are shown next to the in-process ratio, and no
  target is judged on them;
* memory: peak RSS over 10,000 full-batch steps, and RSS growth from step
  1,000 to 10,000, in a fresh process (with the run's BLAS thread count);
* ``import tinygrad_moons`` in fresh interpreters (median of several);
* how long ``tinygrad-moons train`` (the default recipe, run as the command)
  takes to first reach 100% test accuracy, against scikit-learn's
  ``MLPClassifier`` (adam) on the same split, both as measured by
  :mod:`tinygrad_moons.experiment` (from the start of training, test scoring
  after each epoch included): with scikit-learn's defaults (lr 0.001, batch
  200) and, the row the target compares with, with our lr 0.01 and batch 32;
* with ``--scaling``: the full-batch step for 32 to 80,000 rows (the course's
  layers) and for layers 25 to 2,048 wide (800 rows), hand-written, lean,
  eager, compiled and PyTorch, with each one's fraction of this machine's
  GEMM peak (one large ``np.dot`` per dtype, timed in the same run);

and it checks the targets of the performance issue (PASS/MISS).

Threads: every contender runs on one thread by default (NumPy's BLAS through
threadpoolctl, PyTorch through ``torch.set_num_threads``). On matrices this
small a second BLAS thread saves little and makes timings erratic: worker
threads sleep and wake between the many small calls, and NumPy's and
PyTorch's thread pools, living in one process, spin against each other on a
two-core machine. ``--threads N`` gives both N threads; ``--threads 0`` leaves
the libraries' own defaults. The environment variables that change BLAS and
the allocator (``OPENBLAS_*``, ``OMP_*``, ``MKL_*``, ``MALLOC_*``,
``GLIBC_TUNABLES``) and the BLAS libraries loaded (threadpoolctl, with the
kernel OpenBLAS chose) are printed and saved with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_moons
from tinygrad_moons import experiment, nn, optim
from tinygrad_moons.data import make_moons
from tinygrad_moons.experiment import contenders
from tinygrad_moons.reference import COURSE_LAYER_SIZES, ManualNetwork
from tinygrad_moons.tensor import Tensor

LEARNING_RATE = 0.01
BATCH_SIZE = 32
RANDOM_SEED = 0  # of the data, the split, the initial weights and the batch order
ENV_PREFIXES = ("OPENBLAS_", "OMP_", "MKL_", "MALLOC_", "GOTO_", "BLIS_", "GLIBC_TUNABLES", "PYTHONMALLOC")


# ----------------------------------------------------------------- the workload
def course_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The course's data, the experiment's split: 1,000 moons with noise 0.1, split 800/200 (stratified, seeded)."""
    return tuple(experiment.make_split(experiment.COURSE.replace(seed=RANDOM_SEED)))  # type: ignore[return-value]


def minibatches(X: np.ndarray, y: np.ndarray, dtype: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """One epoch of batches of 32 in a fixed shuffled order: the same batches for every contender."""
    order = np.random.default_rng(RANDOM_SEED).permutation(len(X))
    return [
        (np.ascontiguousarray(X[rows], dtype=dtype), np.ascontiguousarray(y[rows], dtype=dtype))
        for rows in (order[start : start + BATCH_SIZE] for start in range(0, len(X), BATCH_SIZE))
    ]


class Contender:
    """One implementation in one dtype: a full-batch step and a mini-batch epoch, as its users would write them."""

    label = ""

    def __init__(self, dtype: Any, X: np.ndarray, y: np.ndarray, initial: list[tuple[np.ndarray, np.ndarray]]):
        self.dtype = np.dtype(dtype)
        self.name = f"{self.label} {self.dtype.name}"

    def full_batch_step(self) -> None:
        """One forward, backward and update on the 800 training points."""
        raise NotImplementedError

    def epoch(self) -> None:
        """One epoch: 25 steps on the fixed batches of 32."""
        raise NotImplementedError


class HandWritten(Contender):
    """The course's NumPy network with its hand-derived backward pass (``contenders.HandWritten.network``)."""

    label = "hand-written NumPy"

    def __init__(self, dtype, X, y, initial):
        super().__init__(dtype, X, y, initial)
        self.network = contenders.HandWritten.network(initial, self.dtype)
        self.X, self.y = X.astype(self.dtype), y.astype(self.dtype)
        self.batches = minibatches(X, y, self.dtype)

    def full_batch_step(self):
        """One forward, backward and update on the 800 training points."""
        self.network.step(self.X, self.y, LEARNING_RATE)

    def epoch(self):
        """One epoch: 25 steps on the fixed batches of 32."""
        for x_batch, y_batch in self.batches:
            self.network.step(x_batch, y_batch, LEARNING_RATE)


class TensorStep(Contender):
    """A contender whose step takes this library's Tensors: the same data, full batch and batches of 32, for all."""

    _step: Any

    def _tensors(self, X: np.ndarray, y: np.ndarray) -> None:
        self.x, self.target = Tensor(X, dtype=self.dtype), Tensor(y.reshape(-1, 1), dtype=self.dtype)
        self.batches = [(x, t.reshape(-1, 1)) for x, t in minibatches(X, y, self.dtype)]

    def full_batch_step(self):
        """One forward, backward and update on the 800 training points."""
        self._step(self.x, self.target)

    def epoch(self):
        """One epoch: 25 steps on the fixed batches of 32."""
        for x_batch, y_batch in self.batches:
            self._step(Tensor(x_batch), Tensor(y_batch))


class TinygradMoons(TensorStep):
    """This library through its public API: Sequential of Dense, BinaryCrossentropy, SGD, the explicit loop."""

    label = "tinygrad_moons"

    def __init__(self, dtype, X, y, initial):
        super().__init__(dtype, X, y, initial)
        self.model = contenders.model_from_parameters(initial, "relu", self.dtype)
        # The course's Keras loss, which reads the logits behind the sigmoid (PyTorch's BCELoss works on the rounded p).
        self.loss_fn = nn.BinaryCrossentropy()
        self.optimizer = optim.SGD(self.model.parameters(), lr=LEARNING_RATE)
        self._step = contenders.explicit_step(self.model, self.loss_fn, self.optimizer)  # loss_fn(target, output)
        self._tensors(X, y)


class PyTorch(Contender):
    """PyTorch eager on the CPU, written the usual way (nn.Sequential, BCELoss, torch.optim.SGD).

    Model and step from ``contenders.torch_model`` and ``contenders.torch_step``, as ``compare``'s PyTorch row.
    """

    label = "PyTorch eager"
    with_logits = False  # True: no final Sigmoid module, BCEWithLogitsLoss

    def __init__(self, dtype, X, y, initial):
        super().__init__(dtype, X, y, initial)
        import torch

        self.torch = torch
        self.model = contenders.torch_model(
            layer_sizes(initial), "relu", self.dtype, parameters=initial, output_sigmoid=not self.with_logits
        )
        self.loss_fn = torch.nn.BCEWithLogitsLoss() if self.with_logits else torch.nn.BCELoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LEARNING_RATE)
        self._step = contenders.torch_step(self.model, self.loss_fn, self.optimizer)
        self.x = torch.from_numpy(X.astype(self.dtype))
        self.target = torch.from_numpy(y.astype(self.dtype).reshape(-1, 1))
        self.batches = [(x, t.reshape(-1, 1)) for x, t in minibatches(X, y, self.dtype)]

    def full_batch_step(self):
        """One forward, backward and update on the 800 training points."""
        self._step(self.x, self.target)

    def epoch(self):
        """One epoch: 25 steps on the fixed batches of 32."""
        from_numpy = self.torch.from_numpy
        for x_batch, y_batch in self.batches:
            self._step(from_numpy(x_batch), from_numpy(y_batch))


class TinygradCompiled(TinygradMoons):
    """The same code as ``TinygradMoons``, its step wrapped in ``tinygrad_moons.compile`` (captured once, replayed)."""

    label = "tinygrad_moons compiled"

    def __init__(self, dtype, X, y, initial):
        super().__init__(dtype, X, y, initial)
        self._step = tinygrad_moons.compile(self._step)


class PlainTensors(TensorStep):
    """tinygrad_moons as a PyTorch user writes it: ``A @ W + b``, ``relu``, ``F.binary_cross_entropy``, SGD by hand."""

    label = "plain Tensors"
    compiled = False

    def __init__(self, dtype, X, y, initial):
        super().__init__(dtype, X, y, initial)
        from tinygrad_moons import functional

        self.params = []
        for kernel, bias in contenders.dense_parameters(initial):
            self.params += [
                Tensor(kernel, dtype=self.dtype, requires_grad=True),
                Tensor(bias, dtype=self.dtype, requires_grad=True),
            ]
        params = self.params

        def step(x: Tensor, target: Tensor) -> None:
            h = x
            for i in range(0, len(params) - 2, 2):
                h = (h @ params[i] + params[i + 1]).relu()
            loss = functional.binary_cross_entropy((h @ params[-2] + params[-1]).sigmoid(), target)
            loss.backward()
            with tinygrad_moons.no_grad():
                for p in params:
                    p -= LEARNING_RATE * p.grad
                    p.grad = None

        self._step = tinygrad_moons.compile(step) if self.compiled else step
        self._tensors(X, y)


class PlainTensorsCompiled(PlainTensors):
    """The plain-Tensor step wrapped in ``tinygrad_moons.compile``."""
    label = "plain Tensors compiled"
    compiled = True


class LeanNumPy(Contender):
    """A lean hand-written NumPy step: the layers unrolled, no per-layer lists, the update in place.

    The same arithmetic as every other contender (BCE's gradient from the
    logit, sigmoid(z) - y, averaged), written as tightly as NumPy allows.
    """

    label = "lean NumPy"

    def __init__(self, dtype, X, y, initial):
        super().__init__(dtype, X, y, initial)
        self.params = [a for pair in contenders.dense_parameters(initial, self.dtype) for a in pair]
        self.X, self.y = X.astype(self.dtype), y.reshape(-1, 1).astype(self.dtype)
        self.batches = [(x, t.reshape(-1, 1)) for x, t in minibatches(X, y, self.dtype)]

    def step(self, X: np.ndarray, y: np.ndarray) -> None:
        """One step on ``(X, y)``: forward, BCE's gradient from the logit, backward, in-place SGD."""
        W1, b1, W2, b2, W3, b3, W4, b4, W5, b5 = self.params
        h1 = np.dot(X, W1)
        h1 += b1
        np.maximum(h1, 0, out=h1)
        h2 = np.dot(h1, W2)
        h2 += b2
        np.maximum(h2, 0, out=h2)
        h3 = np.dot(h2, W3)
        h3 += b3
        np.maximum(h3, 0, out=h3)
        h4 = np.dot(h3, W4)
        h4 += b4
        np.maximum(h4, 0, out=h4)
        g = np.dot(h4, W5)
        g += b5  # the logit z
        np.negative(g, out=g)
        np.exp(g, out=g)
        g += 1
        np.reciprocal(g, out=g)  # sigmoid(z)
        g -= y
        g *= 1 / len(X)  # d(mean BCE)/dz
        ones = np.ones(len(X), dtype=X.dtype)
        grads: list[np.ndarray] = [ones] * 10  # each filled below, last layer first
        grads[8], grads[9] = np.dot(h4.T, g), np.dot(ones, g)
        g = np.dot(g, W5.T)
        g *= h4 > 0
        grads[6], grads[7] = np.dot(h3.T, g), np.dot(ones, g)
        g = np.dot(g, W4.T)
        g *= h3 > 0
        grads[4], grads[5] = np.dot(h2.T, g), np.dot(ones, g)
        g = np.dot(g, W3.T)
        g *= h2 > 0
        grads[2], grads[3] = np.dot(h1.T, g), np.dot(ones, g)
        g = np.dot(g, W2.T)
        g *= h1 > 0
        grads[0], grads[1] = np.dot(X.T, g), np.dot(ones, g)
        for p, grad in zip(self.params, grads):
            grad *= LEARNING_RATE
            p -= grad

    def full_batch_step(self):
        """One forward, backward and update on the 800 training points."""
        self.step(self.X, self.y)

    def epoch(self):
        """One epoch: 25 steps on the fixed batches of 32."""
        for x_batch, y_batch in self.batches:
            self.step(x_batch, y_batch)


class PyTorchWithLogits(PyTorch):
    """PyTorch eager with the loss our nn.BinaryCrossentropy computes: no final Sigmoid, ``BCEWithLogitsLoss``."""

    label = "PyTorch BCEWithLogits"
    with_logits = True


class JaxJit(Contender):
    """JAX's ``jit`` of the whole step (forward, ``jax.grad``, SGD), when JAX is importable (never a dependency)."""

    label = "JAX jit"

    def __init__(self, dtype, X, y, initial):
        super().__init__(dtype, X, y, initial)
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)  # float64 stays float64
        self.jax = jax
        pairs = contenders.dense_parameters(initial, self.dtype)
        params = [(jnp.asarray(kernel), jnp.asarray(bias)) for kernel, bias in pairs]

        def loss(params, x, y):
            h = x
            for W, b in params[:-1]:
                h = jax.nn.relu(h @ W + b)
            z = h @ params[-1][0] + params[-1][1]
            return jnp.mean(jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))))

        @jax.jit
        def step(params, x, y):
            grads = jax.grad(loss)(params, x, y)
            return jax.tree_util.tree_map(lambda p, g: p - LEARNING_RATE * g, params, grads)

        self._step, self.params = step, params
        self.x, self.y = jnp.asarray(X.astype(self.dtype)), jnp.asarray(y.reshape(-1, 1).astype(self.dtype))
        self.batches = [(jnp.asarray(x), jnp.asarray(t.reshape(-1, 1))) for x, t in minibatches(X, y, self.dtype)]

    def full_batch_step(self):
        """One forward, backward and update on the 800 training points."""
        self.params = self._step(self.params, self.x, self.y)
        self.jax.block_until_ready(self.params)

    def epoch(self):
        """One epoch: 25 steps on the fixed batches of 32."""
        for x_batch, y_batch in self.batches:
            self.params = self._step(self.params, x_batch, y_batch)
        self.jax.block_until_ready(self.params)


def layer_sizes(initial: list[tuple[np.ndarray, np.ndarray]]) -> list[int]:
    """The network's widths from its weights, (out, in) per layer as the course keeps them."""
    return [initial[0][0].shape[1]] + [W.shape[0] for W, _ in initial]


def jax_available() -> bool:
    """True when JAX can be imported (it is never a dependency)."""
    try:
        import jax  # noqa: F401
    except ImportError:
        return False
    return True


torch_available = contenders.torch_available


# ------------------------------------------------------------------ timing
def minor_faults() -> int:
    """This process's minor page faults so far (getrusage)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def time_interleaved(
    tasks: dict[str, Callable[[], None]], rounds: int, seconds_per_run: float
) -> dict[str, dict[str, Any]]:
    """Run every task in turn, ``rounds`` times (the order rotates each round); seconds per call for each run.

    Each run repeats its task enough times to last about ``seconds_per_run``
    (calibrated once after a warm-up), so timer resolution does not matter.
    """
    repeats = {}
    for name, task in tasks.items():
        for _ in range(3):  # warm-up: caches, lazy imports, the allocator's first growth
            task()
        start = time.perf_counter()
        task()
        once = max(time.perf_counter() - start, 1e-6)
        repeats[name] = max(1, int(seconds_per_run / once))
    samples: dict[str, list[float]] = {name: [] for name in tasks}
    faults: dict[str, list[float]] = {name: [] for name in tasks}
    names = list(tasks)
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            task, n = tasks[name], repeats[name]
            faults_before = minor_faults()
            start = time.perf_counter()
            for _ in range(n):
                task()
            samples[name].append((time.perf_counter() - start) / n)
            faults[name].append((minor_faults() - faults_before) / n)
    return {
        name: {
            "median_s": statistics.median(samples[name]),
            "min_s": min(samples[name]),
            "max_s": max(samples[name]),
            "runs_s": samples[name],
            "calls_per_run": repeats[name],
            "page_faults_per_call": statistics.median(faults[name]),
        }
        for name in names
    }


# ---------------------------------------------------------- fresh processes
MEMORY_CHILD = "--memory-child"


def memory_child(steps: int, early: int) -> dict[str, float]:
    """Runs in a fresh process: ``steps`` full-batch float64 steps; RSS after ``early`` steps and at the end."""
    X_train, _, y_train, _ = course_split()
    initial = ManualNetwork(COURSE_LAYER_SIZES, seed=RANDOM_SEED).get_parameters()
    contender = TinygradMoons(np.float64, X_train, y_train, initial)
    page = os.sysconf("SC_PAGE_SIZE")

    def rss_bytes() -> int:
        with open("/proc/self/statm") as statm:  # Linux: resident pages are the second field
            return int(statm.read().split()[1]) * page

    def peak_rss_bytes() -> int:
        # VmHWM, not getrusage's ru_maxrss: a child started by fork + exec inherits
        # the parent's peak in ru_maxrss, which would report the benchmark's own size.
        with open("/proc/self/status") as status:
            (line,) = [line for line in status if line.startswith("VmHWM:")]
        return int(line.split()[1]) * 1024

    rss_start, rss_early = rss_bytes(), 0
    faults_before = minor_faults()
    start = time.perf_counter()
    for step in range(1, steps + 1):
        contender.full_batch_step()
        if step == early:
            rss_early = rss_bytes()
    seconds = time.perf_counter() - start
    rss_end = rss_bytes()
    return {
        "steps": steps,
        "early_step": early,
        "rss_start_bytes": rss_start,
        "rss_early_bytes": rss_early,
        "rss_end_bytes": rss_end,
        "peak_rss_bytes": peak_rss_bytes(),
        "growth_bytes": rss_end - rss_early,
        "seconds": seconds,
        "page_faults_per_step": (minor_faults() - faults_before) / steps,
    }


def thread_env(threads: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a child, with the run's BLAS thread count (and ``extra``)."""
    env = dict(os.environ)
    if threads:
        env.update(OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    env.update(extra or {})
    return env


def measure_memory(steps: int, early: int, threads: int) -> dict[str, float] | None:
    """Peak RSS and RSS growth over ``steps`` full-batch steps, in a fresh process (None off Linux)."""
    if not os.path.exists("/proc/self/statm"):  # RSS is read from /proc: Linux only
        return None
    result = subprocess.run(
        [sys.executable, __file__, MEMORY_CHILD, str(steps), str(early)],
        capture_output=True,
        text=True,
        check=True,
        env=thread_env(threads),  # the same thread count as the rest (2 OpenBLAS threads made it 9x slower)
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


STEP_CHILD = "--step-child"


def step_child(kind: str, steps: int) -> dict[str, float]:
    """Runs in a fresh process: full-batch float64 steps of one contender alone, as a script of its own would."""
    X_train, _, y_train, _ = course_split()
    initial = ManualNetwork(COURSE_LAYER_SIZES, seed=RANDOM_SEED).get_parameters()
    contender = {"hand-written": HandWritten, "tinygrad_moons": TinygradMoons}[kind](
        np.float64, X_train, y_train, initial
    )
    for _ in range(20):
        contender.full_batch_step()
    faults_before = minor_faults()
    start = time.perf_counter()
    for _ in range(steps):
        contender.full_batch_step()
    return {
        "seconds_per_step": (time.perf_counter() - start) / steps,
        "page_faults_per_step": (minor_faults() - faults_before) / steps,
    }


def measure_fresh_processes(
    steps: int, rounds: int, threads: int, extra_env: dict[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """Each of the hand-written network and tinygrad_moons alone in its own fresh process, alternately.

    In one process the contenders share one allocator; alone, each meets
    glibc's heap trimming as its own script would (the page faults column).
    Which one faults is allocator luck (the sizes of the arrays allocated
    before), so this is run twice: as is, and with ``MALLOC_TRIM_THRESHOLD_``
    set so that glibc never trims (then nobody faults, and the ratio is the
    in-process one).
    """
    env = thread_env(threads, extra_env)
    runs: dict[str, list[dict[str, float]]] = {"hand-written": [], "tinygrad_moons": []}
    for _ in range(rounds):
        for kind, results in runs.items():
            out = subprocess.run(
                [sys.executable, __file__, STEP_CHILD, kind, str(steps)],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        f"{kind} float64": {
            "median_s": statistics.median(r["seconds_per_step"] for r in results),
            "page_faults_per_step": statistics.median(r["page_faults_per_step"] for r in results),
            "runs": results,
        }
        for kind, results in runs.items()
    }


IMPORT_CODE = """
import sys, time
start = time.perf_counter()
import {module}
seconds = time.perf_counter() - start
loaded = {{name.split(".")[0] for name in sys.modules}}
heavy = loaded & {{"matplotlib", "sklearn", "scipy", "graphviz", "hypothesis", "tqdm", "torch"}}
print(seconds, ",".join(sorted(heavy)))
"""


def measure_import(module: str, runs: int) -> dict[str, Any]:
    """``import module`` timed inside fresh interpreters (interpreter start-up not included)."""
    seconds, heavy = [], ""
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", IMPORT_CODE.format(module=module)], capture_output=True, text=True, check=True
        )
        value, _, heavy = out.stdout.strip().partition(" ")
        seconds.append(float(value))
    return {
        "median_s": statistics.median(seconds),
        "runs_s": seconds,
        "heavy_modules_loaded": [m for m in heavy.split(",") if m],
    }


def cli_time_to_perfect(threads: int) -> dict[str, Any]:
    """Run ``tinygrad-moons train`` (default recipe, figures off) and read its history.json."""
    env = dict(os.environ)
    if threads:  # the same thread count as everything else in this run
        env.update(OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tinygrad_moons", "train", "--no-figures", "--out", folder],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        wall = time.perf_counter() - start
        (history,) = Path(folder).glob("**/history.json")
        result = json.loads(history.read_text())["result"]
    return {
        "seconds_to_perfect": result["seconds_to_perfect"],
        "epochs_to_perfect": result["epochs_to_perfect"],
        "command_wall_s": wall,
    }


def time_to_perfect(rounds: int, threads: int) -> dict[str, Any]:
    """Alternate the command and scikit-learn's MLPClassifier (adam, its defaults) on the same split."""
    split = experiment.make_split(experiment.DEFAULT)
    ours, theirs, same_recipe = [], [], []
    for _ in range(rounds):
        ours.append(cli_time_to_perfect(threads))
        run = experiment.train_sklearn(experiment.DEFAULT, split)
        theirs.append({"seconds_to_perfect": run.seconds_to_perfect, "epochs_to_perfect": run.epochs_to_perfect})
        # Like with like: our lr 0.01 and batches of 32 (its own Glorot weights, constant rate and L2 alpha=1e-4).
        run = experiment.train_sklearn(experiment.DEFAULT, split, follow_recipe=True, stop_at_perfect=True)
        same_recipe.append({"seconds_to_perfect": run.seconds_to_perfect, "epochs_to_perfect": run.epochs_to_perfect})

    def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
        seconds = [r["seconds_to_perfect"] for r in runs if r["seconds_to_perfect"] is not None]
        return {
            "median_s": statistics.median(seconds) if len(seconds) == len(runs) else None,
            "runs": runs,
        }

    return {
        "tinygrad-moons train": summary(ours),
        "scikit-learn MLPClassifier(adam)": summary(theirs),
        SAME_RECIPE: summary(same_recipe),
    }


SAME_RECIPE = "scikit-learn MLPClassifier(adam, lr 0.01, batch 32)"


# ------------------------------------------------------------------ scaling
SCALING_ROWS = (32, 256, 800, 8_000, 80_000)
SCALING_WIDTHS = (25, 128, 512, 2048)


def gemm_peak(dtype: Any, n: int = 1536, repeats: int = 5) -> float:
    """This machine's matrix-multiply rate (flop/s), from one large np.dot in this process (best of a few)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype)
    out = np.dot(a, b)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        np.dot(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


GEMM_SIZE = 1536


def gemm_task(dtype: Any) -> Callable[[], None]:
    """One GEMM_SIZE x GEMM_SIZE np.dot into a kept output: the peak's reference, timed like a contender."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((GEMM_SIZE, GEMM_SIZE)).astype(dtype)
    b = rng.standard_normal((GEMM_SIZE, GEMM_SIZE)).astype(dtype)
    out = np.empty_like(a)
    return lambda: np.dot(a, b, out=out)


def step_flops(sizes: list[int], rows: int) -> int:
    """Multiply-add work of one training step: per layer the forward product, d weight, and d input (not the first)."""
    return sum(2 * rows * n_in * n_out * (2 if i == 0 else 3) for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])))


def scaling(rounds: int, seconds_per_run: float, have_torch: bool) -> dict[str, Any]:
    """Full-batch step time as the batch grows (the course's widths) and as the layers widen (800 rows).

    Contenders: the course's hand-written network, the lean NumPy step,
    tinygrad_moons eager and compiled, PyTorch eager; float64, plus float32 at
    the widest layers. The fraction of the GEMM peak is the step's
    multiply-add work over its time, over the rate of one large np.dot
    timed in the same interleaved rounds (medians of both).
    """
    peaks = {np.dtype(d).name: gemm_peak(d) for d in (np.float64, np.float32)}
    configs = [(rows, list(COURSE_LAYER_SIZES), np.float64) for rows in SCALING_ROWS]
    configs += [(800, [2, w, w, w, w, 1], np.float64) for w in SCALING_WIDTHS]
    configs.append((800, [2, 2048, 2048, 2048, 2048, 1], np.float32))
    kinds = [HandWritten, LeanNumPy, TinygradMoons, TinygradCompiled] + ([PyTorch] if have_torch else [])
    table = []
    for rows, sizes, dtype in configs:
        X, y = make_moons(n_samples=rows, noise=0.1, random_state=RANDOM_SEED)
        # He-scaled weights: with the course's randn * 0.1 a 2048-wide stack overflows within a few steps.
        rng = np.random.default_rng(RANDOM_SEED)
        initial = [
            (rng.normal(0.0, np.sqrt(2.0 / n_in), (n_out, n_in)), np.zeros((n_out, 1)))
            for n_in, n_out in zip(sizes, sizes[1:])
        ]
        contenders = [kind(dtype, X, y, initial) for kind in kinds]
        print(f"  scaling: {rows:,} rows, layers {'-'.join(map(str, sizes))}, {np.dtype(dtype).name}", file=sys.stderr)
        # The GEMM reference runs interleaved with the steps (its median against theirs): a peak timed once, before,
        # under another moment's load, made the fractions swing (77% one run, 101% interleaved, same code).
        tasks = {c.label: c.full_batch_step for c in contenders}
        tasks["GEMM reference"] = gemm_task(dtype)
        timings = time_interleaved(tasks, rounds, seconds_per_run)
        peak = 2 * GEMM_SIZE**3 / timings.pop("GEMM reference")["median_s"]
        flops = step_flops(sizes, rows)
        table.append(
            {
                "rows": rows,
                "layers": sizes,
                "dtype": np.dtype(dtype).name,
                "flops_per_step": flops,
                "median_s": {name: row["median_s"] for name, row in timings.items()},
                "gemm_peak_flops_interleaved": peak,
                "fraction_of_gemm_peak": {name: flops / row["median_s"] / peak for name, row in timings.items()},
            }
        )
    return {"gemm_peak_flops": peaks, "table": table}


def format_scaling(result: dict[str, Any]) -> list[str]:
    """The scaling table's lines: per size, each contender's median, ratio and fraction of the GEMM peak."""
    peaks = result["gemm_peak_flops"]
    names = list(result["table"][0]["median_s"])
    lines = [
        "scaling: full-batch step, median ms (ratio to the hand-written network) [fraction of the GEMM peak, "
        "a 1536x1536 np.dot timed interleaved with each row's steps]; best single GEMM before the rows: "
        + ", ".join(f"{dtype} {peak / 1e9:.1f} GFLOP/s" for dtype, peak in peaks.items()),
        "  " + f"{'rows':>7} {'layers':<24} {'dtype':<8}" + "".join(f" {name:>30}" for name in names),
    ]
    for row in result["table"]:
        base = row["median_s"][HandWritten.label]
        cells = "".join(
            f" {row['median_s'][n] * 1e3:10.3f} ({row['median_s'][n] / base:4.2f}x)"
            f" [{row['fraction_of_gemm_peak'][n]:4.0%}]"
            for n in names
        )
        lines.append("  " + f"{row['rows']:>7,} {'-'.join(map(str, row['layers'])):<24} {row['dtype']:<8}" + cells)
    return lines


# -------------------------------------------------------------- environment
def environment(threads: int | None) -> dict[str, Any]:
    """The machine, the libraries, the BLAS pools and the environment variables that change timings."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            names = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    info: dict[str, Any] = {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "tinygrad_moons": tinygrad_moons.__version__,
        "env": {k: v for k, v in sorted(os.environ.items()) if k.startswith(ENV_PREFIXES)},
        "threads_option": threads,
    }
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            check=True,
        )
        info["git_commit"] = commit.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    try:
        from threadpoolctl import threadpool_info  # ships with scikit-learn

        info["thread_pools"] = [
            {
                k: pool.get(k)
                for k in ("internal_api", "version", "architecture", "num_threads", "threading_layer", "filepath")
            }
            for pool in threadpool_info()
        ]
    except ImportError:
        info["thread_pools"] = None
    if torch_available():
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    return info


def describe_pools(info: dict[str, Any]) -> str:
    """One line naming each BLAS thread pool, who loaded it and its threads."""
    pools = info.get("thread_pools")
    if not pools:
        return "BLAS: unknown (threadpoolctl not installed)"
    parts = []
    for pool in pools:
        path = Path(pool["filepath"] or "?")
        owner = path.parent.name  # numpy.libs, scipy.libs, torch/lib ...: who loaded it
        kernel = f", kernel {pool['architecture']}" if pool.get("architecture") else ""
        version = f" {pool['version']}" if pool.get("version") else ""
        parts.append(f"{pool['internal_api']}{version} ({owner}{kernel}, threads: {pool['num_threads']})")
    return "; ".join(parts)


# ------------------------------------------------------------------ targets
def check_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The performance issue's targets, each with the measured value and PASS/MISS."""
    full, epoch = results["full_batch_step"], results["minibatch_epoch"]
    targets = []

    def ratio(table: dict[str, Any], a: str, b: str) -> float | None:
        return table[a]["median_s"] / table[b]["median_s"] if a in table and b in table else None

    def add(name: str, value: float | None, limit: float, unit: str = "x", passed: bool | None = None) -> None:
        if value is None:
            return
        ok = value <= limit if passed is None else passed
        targets.append({"target": name, "value": value, "limit": limit, "unit": unit, "pass": bool(ok)})

    add(
        "full-batch step float64: tinygrad_moons / hand-written <= 1.0 (one process, interleaved)",
        ratio(full, "tinygrad_moons float64", "hand-written NumPy float64"),
        1.0,
    )
    # Issue 15: the compiled step against the hand-written networks (and JAX), nn path and plain Tensors.
    for dtype in ("float64", "float32"):
        for label in ("tinygrad_moons compiled", "plain Tensors compiled"):
            add(
                f"batch-32 epoch {dtype}: {label} / hand-written <= 1.0",
                ratio(epoch, f"{label} {dtype}", f"hand-written NumPy {dtype}"),
                1.0,
            )
        add(
            f"batch-32 epoch {dtype}: tinygrad_moons compiled / lean NumPy <= 1.0 (stretch)",
            ratio(epoch, f"tinygrad_moons compiled {dtype}", f"lean NumPy {dtype}"),
            1.0,
        )
        add(
            f"batch-32 epoch {dtype}: tinygrad_moons compiled / JAX jit <= 1.0 (stretch)",
            ratio(epoch, f"tinygrad_moons compiled {dtype}", f"JAX jit {dtype}"),
            1.0,
        )
        add(
            f"full-batch step {dtype}: tinygrad_moons compiled / hand-written <= 0.9",
            ratio(full, f"tinygrad_moons compiled {dtype}", f"hand-written NumPy {dtype}"),
            0.9,
        )
    scaled = results.get("scaling")
    if scaled:
        widest = [row for row in scaled["table"] if max(row["layers"]) == max(SCALING_WIDTHS)]
        for row in widest:
            add(
                f"widest layers ({row['dtype']}): tinygrad_moons compiled reaches >= 80% of the GEMM peak",
                row["fraction_of_gemm_peak"]["tinygrad_moons compiled"],
                0.8,
                "",
                row["fraction_of_gemm_peak"]["tinygrad_moons compiled"] >= 0.8,
            )
    for dtype in ("float64", "float32"):
        add(
            f"full-batch step {dtype}: tinygrad_moons / PyTorch eager <= 1.0",
            ratio(full, f"tinygrad_moons {dtype}", f"PyTorch eager {dtype}"),
            1.0,
        )
    add(
        "batch-32 epoch float64: tinygrad_moons / hand-written <= 1.5",
        ratio(epoch, "tinygrad_moons float64", "hand-written NumPy float64"),
        1.5,
    )
    for dtype in ("float64", "float32"):
        add(
            f"batch-32 epoch {dtype}: tinygrad_moons / PyTorch eager <= 1.0",
            ratio(epoch, f"tinygrad_moons {dtype}", f"PyTorch eager {dtype}"),
            1.0,
        )
    add(
        "float32 faster than float64, full-batch step (float32 / float64 < 1)",
        ratio(full, "tinygrad_moons float32", "tinygrad_moons float64"),
        1.0,
    )
    add(
        "float32 faster than float64, batch-32 epoch (float32 / float64 < 1)",
        ratio(epoch, "tinygrad_moons float32", "tinygrad_moons float64"),
        1.0,
    )
    memory = results.get("memory")
    if memory:
        add(
            f"memory growth from step {memory['early_step']:,} to {memory['steps']:,} < 5 MB",
            memory["growth_bytes"] / 1e6,
            5.0,
            "MB",
            memory["growth_bytes"] < 5e6,
        )
    if "import" in results:
        add(
            "import tinygrad_moons < 0.2 s (and nothing heavier than NumPy)",
            results["import"]["median_s"],
            0.2,
            "s",
            results["import"]["median_s"] < 0.2 and not results["import"]["heavy_modules_loaded"],
        )
    perfect = results.get("time_to_perfect")
    if perfect:
        ours = perfect["tinygrad-moons train"]["median_s"]
        theirs = perfect[SAME_RECIPE]["median_s"]  # like with like: scikit-learn's defaults train 10x slower per epoch
        if ours is not None and theirs is not None:
            add(
                f"time to 100% test accuracy: tinygrad-moons train / {SAME_RECIPE} < 1",
                ours / theirs,
                1.0,
                "x",
                ours < theirs,
            )
        else:
            add(
                f"time to 100% test accuracy: tinygrad-moons train / {SAME_RECIPE} < 1",
                float("inf") if ours is None else 0.0,
                1.0,
                "x",
                ours is not None,
            )
    return targets


# ------------------------------------------------------------------- report
def format_report(results: dict[str, Any]) -> str:
    """The whole report as text: both step tables, the other measurements and the targets."""
    env = results["environment"]
    lines = [
        (
            "tinygrad_moons benchmark: the course's workload (moons n=1000 noise=0.1, 800 training points, "
            "2-25-50-50-25-1 ReLU/sigmoid, BCE, SGD lr 0.01)"
        ),
        f"machine: {env['cpu']}, {env['logical_cores']} logical cores, {env['platform']}",
        f"Python {env['python']}, NumPy {env['numpy']}"
        + (
            f", PyTorch {env['torch']} (threads: {env['torch_threads']})"
            if "torch" in env
            else ", PyTorch not installed"
        ),
        "BLAS: " + describe_pools(env),
        "environment: " + (" ".join(f"{k}={v}" for k, v in env["env"].items()) or "(no BLAS/allocator variables set)"),
        "",
    ]
    for key, title in (
        ("full_batch_step", "full-batch step, 800 points (forward + backward + update)"),
        ("minibatch_epoch", "mini-batch epoch, 25 steps of 32 points (the same batches for everyone)"),
    ):
        table = results[key]
        lines.append(f"{title:<62} {'median':>9} {'min':>9} {'max':>9} {'faults/step':>12}")
        for name, row in table.items():
            steps = 1 if key == "full_batch_step" else -(-800 // BATCH_SIZE)
            lines.append(
                f"  {name:<60} {row['median_s'] * 1e3:7.3f}ms {row['min_s'] * 1e3:7.3f}ms {row['max_s'] * 1e3:7.3f}ms "
                f"{row['page_faults_per_call'] / steps:12.1f}"
            )
        lines.append("")
    lines.append(
        "BCE: the nn rows use Keras' BinaryCrossentropy, which runs the fused with-logits op through the sigmoid; "
        "the plain-Tensor rows use F.binary_cross_entropy (PyTorch's clamped formula on the probabilities); "
        "'PyTorch eager' runs Sigmoid + BCELoss, 'PyTorch BCEWithLogits' the same fused loss as the nn rows. "
        "The compiled rows replay tinygrad_moons.compile's "
        f"program. Load average during the tables: {', '.join(f'{x:.1f}' for x in results.get('load_average', ()))}"
    )
    full = results["full_batch_step"]
    lines.append("")
    for key, title in (
        ("full_batch_step_fresh_process", "as is"),
        ("full_batch_step_fresh_process_no_trim", "MALLOC_TRIM_THRESHOLD_=2**30 (glibc never trims)"),
    ):
        fresh = results.get(key)
        if not fresh:
            continue
        lines.append(f"full-batch step, float64, each alone in a fresh process, {title}   median   faults/step")
        for name, row in fresh.items():
            lines.append(f"  {name:<76} {row['median_s'] * 1e3:7.3f}ms {row['page_faults_per_step']:12.1f}")
    if "full_batch_step_fresh_process" in results:
        in_process = full["tinygrad_moons float64"]["median_s"] / full["hand-written NumPy float64"]["median_s"]
        ratios = [
            results[key]["tinygrad_moons float64"]["median_s"] / results[key]["hand-written float64"]["median_s"]
            for key in ("full_batch_step_fresh_process", "full_batch_step_fresh_process_no_trim")
        ]
        lines.append(
            f"  tinygrad_moons / hand-written: {in_process:.2f}x in one process, {ratios[0]:.2f}x alone as is, "
            f"{ratios[1]:.2f}x alone without trimming: which one page-faults alone is allocator luck, not a speed-up"
        )
        lines.append("")
    memory = results.get("memory")
    if memory:
        lines.append(
            f"memory, {memory['steps']:,} full-batch float64 steps in a fresh process ({memory['seconds']:.1f} s): "
            f"RSS {memory['rss_start_bytes'] / 1e6:.1f} MB before the first step (NumPy, scikit-learn for the data), "
            f"{memory['rss_early_bytes'] / 1e6:.1f} MB at step {memory['early_step']:,}, "
            f"{memory['rss_end_bytes'] / 1e6:.1f} MB at step {memory['steps']:,} "
            f"(growth {memory['growth_bytes'] / 1e6:+.2f} MB); "
            f"peak {memory['peak_rss_bytes'] / 1e6:.1f} MB; {memory['page_faults_per_step']:.2f} page faults per step"
        )
    if "import" in results:
        imp, numpy_import = results["import"], results["import_numpy"]
        lines.append(
            f"import tinygrad_moons: {imp['median_s']:.3f} s (median of {len(imp['runs_s'])} fresh interpreters; "
            f"NumPy alone {numpy_import['median_s']:.3f} s); "
            f"heavier modules loaded: {', '.join(imp['heavy_modules_loaded']) or 'none'}"
        )
    perfect = results.get("time_to_perfect")
    if perfect:
        parts = []
        for name, summary in perfect.items():
            epochs = sorted({r["epochs_to_perfect"] for r in summary["runs"]}, key=lambda e: (e is None, e))
            value = "never" if summary["median_s"] is None else f"{summary['median_s']:.3f} s"
            parts.append(f"{name} {value} (epoch {', '.join(str(e) for e in epochs)})")
        walls = [r["command_wall_s"] for r in perfect["tinygrad-moons train"]["runs"]]
        lines.append(
            f"time to 100% test accuracy (median of {len(walls)}): "
            + " vs ".join(parts)
            + f"; the whole command took {statistics.median(walls):.2f} s including start-up"
        )
    if "scaling" in results:
        lines += [""] + format_scaling(results["scaling"])
    lines += ["", "targets"]
    for target in results["targets"]:
        unit = target["unit"]
        value = f"{target['value']:.3f}{unit}" if unit != "MB" else f"{target['value']:+.2f} MB"
        lines.append(f"  {'PASS' if target['pass'] else 'MISS'}  {target['target']}: {value}")
    return "\n".join(lines)


# --------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    """Run the benchmark with ``argv`` (``sys.argv[1:]`` when None); print the report; return the exit status."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds per table (default 9, --quick 3)")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this JSON file")
    parser.add_argument("--quick", action="store_true", help="fewer rounds and a 2,000-step memory run (a smoke test)")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads for NumPy's BLAS and for PyTorch (default 1; 0: their defaults)"
    )
    parser.add_argument(
        "--steps-only", action="store_true", help="only the two step tables (no fresh processes, memory, import, train)"
    )
    parser.add_argument(
        "--scaling", action="store_true", help="also time batches of 32 to 80,000 rows and layers 25 to 2048 wide"
    )
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 9)
    seconds_per_run = 0.05 if args.quick else 0.2

    have_torch = torch_available()
    X_train, _, y_train, _ = course_split()  # loads scikit-learn (and SciPy's BLAS) before threads are set
    if args.threads:
        try:
            from threadpoolctl import threadpool_limits  # ships with scikit-learn
        except ImportError:
            print("threadpoolctl is not installed: NumPy's BLAS keeps its own thread count", file=sys.stderr)
        else:
            threadpool_limits(args.threads)
        if have_torch:
            import torch

            torch.set_num_threads(args.threads)

    initial = ManualNetwork(COURSE_LAYER_SIZES, seed=RANDOM_SEED).get_parameters()
    kinds = [HandWritten, LeanNumPy, TinygradMoons, TinygradCompiled, PlainTensors, PlainTensorsCompiled]
    kinds += [PyTorch, PyTorchWithLogits] if have_torch else []
    kinds += [JaxJit] if jax_available() else []
    contenders = [kind(dtype, X_train, y_train, initial) for dtype in (np.float64, np.float32) for kind in kinds]

    results: dict[str, Any] = {"environment": environment(args.threads)}
    print(f"timing {len(contenders)} contenders, {rounds} interleaved rounds ...", file=sys.stderr)
    results["full_batch_step"] = time_interleaved(
        {c.name: c.full_batch_step for c in contenders}, rounds, seconds_per_run
    )
    results["minibatch_epoch"] = time_interleaved({c.name: c.epoch for c in contenders}, rounds, seconds_per_run)
    results["load_average"] = os.getloadavg()
    if not args.steps_only:
        print("full-batch steps alone in fresh processes ...", file=sys.stderr)
        fresh_steps, fresh_rounds = (100, 1) if args.quick else (300, 3)
        results["full_batch_step_fresh_process"] = measure_fresh_processes(fresh_steps, fresh_rounds, args.threads)
        results["full_batch_step_fresh_process_no_trim"] = measure_fresh_processes(
            fresh_steps, fresh_rounds, args.threads, {"MALLOC_TRIM_THRESHOLD_": str(2**30)}
        )
        steps, early = (2_000, 200) if args.quick else (10_000, 1_000)
        print(f"memory: {steps:,} steps in a fresh process ...", file=sys.stderr)
        results["memory"] = measure_memory(steps, early, args.threads)
        print("import times ...", file=sys.stderr)
        results["import"] = measure_import("tinygrad_moons", 3 if args.quick else 9)
        results["import_numpy"] = measure_import("numpy", 3 if args.quick else 9)
        print("time to 100% test accuracy ...", file=sys.stderr)
        results["time_to_perfect"] = time_to_perfect(1 if args.quick else 5, args.threads)
    if args.scaling:
        print("scaling ...", file=sys.stderr)
        results["scaling"] = scaling(max(3, rounds // 3), seconds_per_run, have_torch)
    results["targets"] = check_targets(results)
    results["command"] = " ".join([Path(sys.executable).name, *sys.argv])

    print(format_report(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == MEMORY_CHILD:
        print(json.dumps(memory_child(int(sys.argv[2]), int(sys.argv[3]))))
        sys.exit(0)
    if len(sys.argv) == 4 and sys.argv[1] == STEP_CHILD:
        print(json.dumps(step_child(sys.argv[2], int(sys.argv[3]))))
        sys.exit(0)
    sys.exit(main())
