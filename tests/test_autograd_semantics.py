"""PyTorch's autograd semantics: in-place updates, version counters, per-thread grad mode, retain_graph.

Each test states one promise a PyTorch user relies on (issue 8, section 1).
The expected numbers are computed independently, with NumPy, from the same
inputs; the expected errors are PyTorch's own texts.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tinygrad_moons as tm
from tinygrad_moons import Function, Tensor, autograd, enable_grad, no_grad, set_grad_enabled
from tinygrad_moons.autograd import ShapeError, is_anomaly_enabled, is_grad_enabled
from tinygrad_moons.nn import Dense, Parameter
from tinygrad_moons.optim import SGD, Adam, RMSprop

LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation"
MODIFIED_ERROR = "one of the variables needed for gradient computation has been modified by an inplace operation"
SECOND_BACKWARD = "Trying to backward through the graph a second time"

RNG = np.random.default_rng(0)

# name, call, the same update on a NumPy array
IN_PLACE_CASES = [
    ("add_", lambda t: t.add_(Tensor([1.0, 2.0, 3.0])), lambda a: a + [1.0, 2.0, 3.0]),
    ("add_ alpha", lambda t: t.add_(Tensor([1.0, 2.0, 3.0]), alpha=-2), lambda a: a - 2 * np.array([1.0, 2.0, 3.0])),
    ("sub_", lambda t: t.sub_(0.5), lambda a: a - 0.5),
    ("sub_ alpha", lambda t: t.sub_(np.ones(3), alpha=3), lambda a: a - 3),
    ("mul_", lambda t: t.mul_(Tensor([2.0, -1.0, 0.5])), lambda a: a * [2.0, -1.0, 0.5]),
    ("div_", lambda t: t.div_(4.0), lambda a: a / 4.0),
    ("zero_", lambda t: t.zero_(), lambda a: np.zeros_like(a)),
    ("fill_", lambda t: t.fill_(7.5), lambda a: np.full_like(a, 7.5)),
    ("fill_ tensor", lambda t: t.fill_(Tensor(-1.0)), lambda a: np.full_like(a, -1.0)),
    ("copy_", lambda t: t.copy_(Tensor([9.0, 8.0, 7.0])), lambda a: np.array([9.0, 8.0, 7.0])),
    ("copy_ broadcast", lambda t: t.copy_(np.array(3.0)), lambda a: np.full_like(a, 3.0)),
    ("clamp_", lambda t: t.clamp_(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5)),
    ("clamp_ min", lambda t: t.clamp_(min=0.0), lambda a: np.maximum(a, 0.0)),
    (
        "uniform_",
        lambda t: t.uniform_(-2.0, 3.0, generator=np.random.default_rng(5)),
        lambda a: np.random.default_rng(5).uniform(-2.0, 3.0, size=a.shape),
    ),
    (
        "normal_",
        lambda t: t.normal_(1.0, 0.25, generator=np.random.default_rng(6)),
        lambda a: np.random.default_rng(6).normal(1.0, 0.25, size=a.shape),
    ),
]
OPERATOR_CASES = [
    ("+=", lambda t, o: t.__iadd__(o), np.add),
    ("-=", lambda t, o: t.__isub__(o), np.subtract),
    ("*=", lambda t, o: t.__imul__(o), np.multiply),
    ("/=", lambda t, o: t.__itruediv__(o), np.divide),
]


# ------------------------------------------------------- in-place updates
@pytest.mark.parametrize("name, call, expected", IN_PLACE_CASES, ids=[c[0] for c in IN_PLACE_CASES])
def test_in_place_methods_change_the_same_array_and_return_self(name, call, expected):
    start = RNG.uniform(-2, 2, size=3)
    t = Tensor(start)
    array, other_view = t.data, t.numpy()
    result = call(t)
    assert result is t
    assert t.data is array  # the same array object: every reference sees the change
    np.testing.assert_allclose(other_view, expected(start.copy()))
    assert t._version == 1


@pytest.mark.parametrize("name, call, ufunc", OPERATOR_CASES, ids=[c[0] for c in OPERATOR_CASES])
def test_augmented_operators_keep_the_object_and_its_array(name, call, ufunc):
    start, operand = RNG.uniform(1, 2, size=(2, 3)), RNG.uniform(1, 2, size=3)
    t = Tensor(start)
    alias, array = t, t.data
    for other in (operand, Tensor(operand), 2.0):
        before = t.data.copy()
        t = call(t, other)
        np.testing.assert_allclose(t.data, ufunc(before, other.data if isinstance(other, Tensor) else other))
    assert t is alias and t.data is array and t._version == 3


@pytest.mark.parametrize("name, call, expected", IN_PLACE_CASES, ids=[c[0] for c in IN_PLACE_CASES])
def test_in_place_methods_on_a_leaf_that_requires_grad_raise_pytorchs_error(name, call, expected):
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_ERROR):
        call(w)
    np.testing.assert_array_equal(w.data, [1.0, 2.0, 3.0])  # refused before any change
    assert w._version == 0


@pytest.mark.parametrize("name, call, ufunc", OPERATOR_CASES, ids=[c[0] for c in OPERATOR_CASES])
def test_augmented_operators_on_a_leaf_that_requires_grad_raise_outside_no_grad(name, call, ufunc):
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_ERROR):
        call(w, 2.0)
    with no_grad():
        same = call(w, 2.0)
    assert same is w and w.requires_grad and w.is_leaf
    np.testing.assert_allclose(w.data, ufunc(np.array([1.0, 2.0]), 2.0))


def test_manual_sgd_under_no_grad_updates_the_parameter_itself():
    """The tutorial's loop: `with no_grad(): w -= lr * w.grad; w.grad = None` (which rebinding used to break)."""
    x = np.linspace(-1, 1, 50)
    y = 3.0 * x - 0.5
    w, b = Tensor(0.0, requires_grad=True), Tensor(0.0, requires_grad=True)
    w_object, w_array = w, w.data
    for _ in range(300):
        loss = ((w * Tensor(x) + b - Tensor(y)) ** 2).mean()
        loss.backward()
        with no_grad():
            w -= 0.1 * w.grad
            b -= 0.1 * b.grad
            w.grad = None
            b.grad = None
    assert w is w_object and w.data is w_array and w.requires_grad and w.is_leaf
    # least squares on noiseless data: the fit converges to the line that made it
    np.testing.assert_allclose([w.item(), b.item()], [3.0, -0.5], atol=1e-3)


def test_p_data_minus_equals_lr_times_grad_updates_the_array_in_place():
    p = Tensor([1.0, -2.0, 0.5], requires_grad=True)
    (p * p).sum().backward()  # grad 2p
    array = p.data
    p.data -= 0.25 * p.grad  # ndarray -= Tensor
    assert p.data is array
    np.testing.assert_allclose(p.data, np.array([1.0, -2.0, 0.5]) * 0.5)
    assert p._version == 1
    p.grad.zero_()
    np.testing.assert_array_equal(p.grad.data, np.zeros(3))
    p.grad = None
    assert p.grad is None


def test_an_array_on_the_left_of_a_tensor_gives_a_recorded_tensor():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0]) * x - np.array([1.0, 1.0])
    assert isinstance(y, Tensor) and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, 4.0])
    with pytest.raises(TypeError):
        np.exp(x)  # a NumPy function on a tensor is refused, not silently turned into an array


def test_a_parameter_updated_in_place_stays_the_modules_parameter():
    layer = Dense(3, input_dim=2)
    kernel = layer.kernel
    out = layer(Tensor(RNG.uniform(-1, 1, size=(4, 2)))).sum()
    out.backward()
    expected = kernel.data - 0.1 * kernel.grad.data
    with no_grad():
        layer.kernel -= 0.1 * layer.kernel.grad
    assert layer.kernel is kernel and isinstance(layer.kernel, Parameter)
    assert any(p is kernel for p in layer.parameters())
    np.testing.assert_allclose(kernel.data, expected)


def test_in_place_on_a_recorded_tensor_is_recorded_as_pytorch_does():
    x_values = np.array([0.5, -1.0, 2.0])
    x = Tensor(x_values, requires_grad=True)
    y = x * 3.0
    y += x  # 4x
    y *= x  # 4x^2
    y.sub_(x, alpha=2)  # 4x^2 - 2x
    y /= 2.0  # 2x^2 - x
    y.clamp_(max=5.0)
    assert y.grad_fn is not None and not y.is_leaf
    y.sum().backward()
    unclamped = 2 * x_values**2 - x_values <= 5.0
    np.testing.assert_allclose(y.data, np.minimum(2 * x_values**2 - x_values, 5.0))
    np.testing.assert_allclose(x.grad.data, np.where(unclamped, 4 * x_values - 1, 0.0))


def test_in_place_on_a_constant_with_a_grad_operand_makes_it_part_of_the_graph():
    w = Tensor([2.0, 3.0], requires_grad=True)
    buffer = tm.zeros(2)
    buffer += w * w
    assert buffer.requires_grad and not buffer.is_leaf
    buffer.sum().backward()
    np.testing.assert_allclose(w.grad.data, [4.0, 6.0])


def test_using_a_value_from_before_an_in_place_change_raises_at_backward():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    z = y * y  # saved y at version 0
    y += 1.0
    with pytest.raises(RuntimeError, match=MODIFIED_ERROR + r".*input 0 of mul.*version 1; expected version 0"):
        z.sum().backward()


@pytest.mark.parametrize("method", ["fill_", "zero_", "copy_", "uniform_", "normal_"])
def test_overwriting_a_recorded_tensor_says_it_is_not_supported(method):
    y = Tensor([1.0, 2.0], requires_grad=True) * 2.0
    args = {"fill_": (1.0,), "zero_": (), "copy_": (np.ones(2),), "uniform_": (), "normal_": ()}[method]
    with pytest.raises(RuntimeError, match=f"{method}: in-place .* recorded graph .* not supported"):
        getattr(y, method)(*args)
    with no_grad():  # outside the graph it is allowed, and counted
        getattr(y, method)(*args)
    assert y._version == 1


def test_in_place_errors_name_the_op_and_the_shapes():
    t = tm.zeros(3)
    with pytest.raises(ShapeError, match=r"add_: .*\(2, 3\).*\(3,\).*cannot change the shape"):
        t += np.ones((2, 3))
    with pytest.raises(ValueError, match="div_: rounding_mode='floor' is not supported"):
        t.div_(2.0, rounding_mode="floor")
    view = Tensor([1.0, 2.0], requires_grad=True).broadcast_to((3, 2)).detach()
    with pytest.raises(ValueError, match="mul_: this tensor's array is read-only"):
        view.mul_(2.0)
    assert t._version == 0 and view._version == 0


# -------------------------------------------------------- version counters
def test_data_times_equals_between_forward_and_backward_raises():
    """PyTorch gives a silently wrong gradient here; we refuse."""
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (x * x).sum()
    x.data *= 10
    assert x._version == 1
    with pytest.raises(RuntimeError, match=MODIFIED_ERROR + r".*input 0 of mul \(a tensor of shape \(3,\), a leaf\)"):
        loss.backward()
    assert x.grad is None  # refused before any gradient was written


def test_rebinding_data_counts_as_a_change():
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    loss = (x * x).sum()
    x.data = np.array([5.0, 6.0])
    assert x._version == 1
    with pytest.raises(RuntimeError, match=r"'x'.*is at version 1; expected version 0"):
        loss.backward()
    x.data = Tensor([7.0, 8.0])  # PyTorch's form: a tensor's values
    np.testing.assert_array_equal(x.data, [7.0, 8.0])
    fresh = (x * x).sum()  # a graph recorded after the change is fine
    fresh.backward()
    np.testing.assert_allclose(x.grad.data, [14.0, 16.0])


def test_a_modified_output_that_backward_reads_raises_naming_the_op():
    x = Tensor([0.0, 1.0], requires_grad=True)
    s = x.sigmoid()  # d sigmoid = s (1 - s): backward reads its output
    with no_grad():
        s.mul_(2.0)
    with pytest.raises(RuntimeError, match=MODIFIED_ERROR + r".*output 0 of sigmoid.*version 1; expected version 0"):
        s.backward(np.ones(2))
    assert x.grad is None


@pytest.mark.parametrize("make_optimizer", [SGD, Adam, RMSprop], ids=["SGD", "Adam", "RMSprop"])
def test_an_optimizer_step_updates_in_place_and_between_forward_and_backward_raises(make_optimizer):
    w = Parameter(np.array([1.0, -1.0]))
    optimizer = make_optimizer([w], lr=0.1)
    array = w.data
    (w * w).sum().backward()
    loss = (w * w * w).sum()  # recorded before the step
    optimizer.step()
    assert w.data is array and w._version == 1
    assert not np.allclose(w.data, [1.0, -1.0])
    with pytest.raises(RuntimeError, match=MODIFIED_ERROR):
        loss.backward()


def test_zero_grad_set_to_none_false_zeros_the_same_grad_array():
    w = Parameter(np.array([1.0, 2.0]))
    optimizer = SGD([w], lr=0.1)
    (w * w).sum().backward()
    grad_array = w.grad.data
    optimizer.zero_grad(set_to_none=False)
    assert w.grad.data is grad_array
    np.testing.assert_array_equal(grad_array, [0.0, 0.0])
    optimizer.zero_grad()
    assert w.grad is None


# ------------------------------------------------------------ retain_graph
def test_backward_twice_raises_unless_the_graph_was_retained():
    x = Tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()  # allowed once more, and gradients accumulate
    np.testing.assert_allclose(x.grad.data, 2 * 2 * np.array([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=SECOND_BACKWARD + r".*Specify retain_graph=True"):
        loss.backward()
    np.testing.assert_allclose(x.grad.data, 2 * 2 * np.array([1.0, 2.0]))  # nothing added by the refused pass


def test_a_second_loss_sharing_a_used_part_of_the_graph_raises():
    x = Tensor([1.0, 2.0], requires_grad=True)
    hidden = x.exp()
    hidden.sum().backward()
    with pytest.raises(RuntimeError, match=SECOND_BACKWARD):
        (hidden * 2.0).sum().backward()


def test_create_graph_retains_the_graph():
    x = Tensor([1.5], requires_grad=True)
    y = (x**3).sum()
    (dy,) = tm.grad(y, x, create_graph=True)
    (d2y,) = tm.grad(dy.sum(), x)
    y.backward()  # the graph of y was kept by create_graph
    np.testing.assert_allclose([dy.item(), d2y.item(), x.grad.item()], [3 * 1.5**2, 6 * 1.5, 3 * 1.5**2])


def test_grad_twice_raises_unless_retained_and_takes_pytorchs_argument_order():
    x = Tensor([1.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    seed = Tensor(2.0)
    # grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused), all positional
    (first,) = tm.grad(y, [x], seed, True, False, False)
    (second,) = tm.grad(y, [x], seed)
    np.testing.assert_allclose(first.data, second.data)
    np.testing.assert_allclose(first.data, [4.0, 12.0])
    with pytest.raises(RuntimeError, match=SECOND_BACKWARD):
        tm.grad(y, [x])


def test_backward_takes_pytorchs_argument_order():
    x = Tensor([2.0], requires_grad=True)
    y = x * x
    y.backward(Tensor([1.0]), True, False)  # gradient, retain_graph, create_graph
    y.backward(Tensor([1.0]))
    np.testing.assert_allclose(x.grad.data, [8.0])


# --------------------------------------------------------------- retain_grad
def test_retain_grad_on_every_kind_of_non_leaf():
    x = Tensor([0.3, -0.7], requires_grad=True)
    a = x * 2.0
    s = a.sigmoid()
    r = s.reshape(2, 1)
    for t in (a, s, r):
        t.retain_grad()
        assert t.retains_grad
    r.sum().backward()
    sig = 1 / (1 + np.exp(-2 * x.data))
    np.testing.assert_allclose(r.grad.data, np.ones((2, 1)))
    np.testing.assert_allclose(s.grad.data, np.ones(2))
    np.testing.assert_allclose(a.grad.data, sig * (1 - sig))
    x.retain_grad()  # a leaf keeps its .grad anyway: a no-op, as in PyTorch
    assert not x.retains_grad
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        Tensor([1.0]).retain_grad()


def test_requires_grad_underscore_follows_pytorch():
    x = Tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 2.0
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)
    assert x.requires_grad_(False) is x and not x.requires_grad


# ---------------------------------------------------------- grad mode
def test_set_grad_enabled_as_function_context_manager_and_decorator():
    x = Tensor([1.0], requires_grad=True)
    set_grad_enabled(False)
    try:
        assert not is_grad_enabled() and (x * 2).grad_fn is None
    finally:
        set_grad_enabled(True)
    with set_grad_enabled(False):
        assert (x * 2).grad_fn is None
    assert is_grad_enabled()

    @set_grad_enabled(False)
    def evaluate() -> Tensor:
        return x * 2

    assert is_grad_enabled()  # decorating does not switch the mode of the code around it
    assert evaluate().grad_fn is None and is_grad_enabled()
    with no_grad():
        with set_grad_enabled(True):
            assert (x * 2).grad_fn is not None
        assert not is_grad_enabled()


def test_a_new_thread_starts_recording_whatever_the_caller_does():
    seen = {}

    def worker() -> None:
        x = Tensor([1.0], requires_grad=True)
        seen["grad"], seen["anomaly"], seen["recorded"] = is_grad_enabled(), is_anomaly_enabled(), (x * 2).grad_fn

    with no_grad(), tm.detect_anomaly():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert seen["grad"] is True and seen["anomaly"] is False and seen["recorded"] is not None


class _MeetInBackward(Function):
    """Identity whose backward waits at two barriers: the other threads act while a backward pass is running."""

    name = "meet_in_backward"

    def forward(self, a):
        return a.copy()

    def backward(self, grad):
        """d(a)/da = 1."""
        self.inside.wait()
        self.done.wait()
        return grad


def test_grad_mode_is_per_thread_while_others_are_in_no_grad_and_in_backward():
    """Three threads, many rounds: one records while the second sits in no_grad and the third in backward."""
    rounds = 60
    inside, done = threading.Barrier(3, timeout=20), threading.Barrier(3, timeout=20)
    failures: list[str] = []

    def recorder() -> None:
        w = Tensor([2.0, -1.0], requires_grad=True)
        for i in range(rounds):
            inside.wait()  # the other two are now inside no_grad and inside backward
            y = (w * w).sum()
            if not (is_grad_enabled() and y.requires_grad and y.grad_fn is not None):
                failures.append(f"round {i}: the recording thread's graph was not recorded")
            else:
                y.backward()
            done.wait()
        if failures == [] and not np.allclose(w.grad.data, rounds * 2 * w.data):
            failures.append(f"recorder: wrong accumulated gradient {w.grad.data}")

    def evaluator() -> None:
        w = Tensor([1.0], requires_grad=True)
        for i in range(rounds):
            with no_grad():
                inside.wait()
                if (w * 3).grad_fn is not None or is_grad_enabled():
                    failures.append(f"round {i}: no_grad thread recorded")
                done.wait()
            if (w * 3).grad_fn is None:
                failures.append(f"round {i}: no_grad leaked out of its block")

    def differentiator() -> None:
        v = Tensor([3.0], requires_grad=True)
        for i in range(rounds):
            loss = (_MeetInBackward.apply(v * v, inside=inside, done=done) * 1.0).sum()
            v.grad = None
            loss.backward()  # the op's backward waits for the other threads at both barriers
            if not np.allclose(v.grad.data, [6.0]) or not is_grad_enabled():
                failures.append(f"round {i}: backward thread got {v.grad.data}, mode {is_grad_enabled()}")

    def reporting(target):
        def run() -> None:
            try:
                target()
            except Exception as error:  # an exception in a thread would otherwise vanish (and break the barriers)
                failures.append(f"{target.__name__}: {type(error).__name__}: {error}")
                inside.abort()
                done.abort()

        return run

    threads = [threading.Thread(target=reporting(f)) for f in (recorder, evaluator, differentiator)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert failures == []


def test_enable_grad_and_no_grad_as_decorators_are_safe_in_threads():
    @no_grad()
    def evaluate(x: Tensor, barrier: threading.Barrier) -> bool:
        barrier.wait()  # both threads are inside the decorated function at once
        recorded = (x * 2).grad_fn is not None
        barrier.wait()
        return recorded

    barrier = threading.Barrier(2, timeout=20)
    x = Tensor([1.0], requires_grad=True)
    results: list[bool] = []
    thread = threading.Thread(target=lambda: results.append(evaluate(x, barrier)))  # an error leaves results short
    thread.start()
    results.append(evaluate(x, barrier))
    thread.join()
    assert results == [False, False] and is_grad_enabled()
    with no_grad():
        assert enable_grad()(lambda: (x * 2).grad_fn)() is not None


# name, a view of a (2, 3) tensor, the same view of a NumPy array (PyTorch's views share their base's memory)
VIEW_CASES = [
    ("view", lambda x: x.view(3, 2), lambda a: a.reshape(3, 2)),
    ("reshape", lambda x: x.reshape(-1), lambda a: a.reshape(-1)),
    ("flatten", lambda x: x.flatten(), lambda a: a.reshape(-1)),
    ("unsqueeze", lambda x: x.unsqueeze(0), lambda a: a[None]),
    ("squeeze", lambda x: x.unsqueeze(1).squeeze(1), lambda a: a),
    ("row", lambda x: x[0], lambda a: a[0]),
    ("slice", lambda x: x[:, 1:], lambda a: a[:, 1:]),
    ("element", lambda x: x[1, 2], lambda a: a[1, 2:3]),
    ("transpose", lambda x: x.transpose(0, 1), lambda a: a.T),
    ("permute", lambda x: x.permute(1, 0), lambda a: a.T),
    ("T", lambda x: x.T, lambda a: a.T),
    ("mT", lambda x: x.mT, lambda a: a.T),
    ("t", lambda x: x.t(), lambda a: a.T),
    ("view of a view", lambda x: x.T[1:].T.unsqueeze(0), lambda a: a[:, 1:]),
]
BASE_VALUES = np.arange(6.0).reshape(2, 3)


@pytest.mark.parametrize("name,make_view,numpy_view", VIEW_CASES, ids=[c[0] for c in VIEW_CASES])
def test_in_place_through_a_view_changes_its_base_as_in_pytorch(name, make_view, numpy_view):
    x = Tensor(BASE_VALUES)
    make_view(x).mul_(10.0)
    expected = BASE_VALUES.copy()
    numpy_view(expected)[...] *= 10.0
    np.testing.assert_array_equal(x.data, expected)
    assert x._version == 1  # the change is counted on the base too
    # the same outside recording for a base that requires grad
    w = Tensor(BASE_VALUES, requires_grad=True)
    with no_grad():
        make_view(w).add_(1.0)
    np.testing.assert_array_equal(w.data, numpy_view_applied(numpy_view, lambda v: v + 1.0))
    assert w._version == 1


def numpy_view_applied(numpy_view, change):
    expected = BASE_VALUES.copy()
    numpy_view(expected)[...] = change(numpy_view(expected))
    return expected


@pytest.mark.parametrize("name,make_view,numpy_view", VIEW_CASES, ids=[c[0] for c in VIEW_CASES])
def test_in_place_on_a_view_of_a_leaf_that_requires_grad_raises_pytorchs_error(name, make_view, numpy_view):
    """PyTorch: `a.view(2).add_(1)` raises "a view of a leaf Variable that requires grad ..."."""
    x = Tensor(BASE_VALUES, requires_grad=True)
    view = make_view(x)
    for change in (lambda v: v.add_(1.0), lambda v: v.__imul__(2.0), lambda v: v.zero_(), lambda v: v.copy_(v)):
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an"):
            change(view)
    np.testing.assert_array_equal(x.data, BASE_VALUES)
    assert x._version == 0


SLICES = ("row", "slice", "element")  # indexed with ints and slices straight from the tensor: done as PyTorch


@pytest.mark.parametrize("name,make_view,numpy_view", VIEW_CASES, ids=[c[0] for c in VIEW_CASES])
def test_in_place_on_a_view_of_a_recorded_tensor_is_pytorchs_or_refused_never_silently_different(
    name, make_view, numpy_view
):
    """PyTorch: `b = a * 2; b[0:1].mul_(10)` changes b and gives a.grad [20, 2, ...]."""
    a = Tensor(BASE_VALUES, requires_grad=True)
    b = a * 2.0
    view = make_view(b)
    weights = np.arange(1.0, 7.0).reshape(2, 3)
    if name in SLICES:
        view.mul_(10.0)
        factor = np.ones((2, 3))
        numpy_view(factor)[...] = 10.0
        np.testing.assert_array_equal(b.data, 2.0 * BASE_VALUES * factor)
        np.testing.assert_array_equal(view.data, numpy_view(2.0 * BASE_VALUES * factor).reshape(view.shape))
        assert b._version == 1 and view._version == 1 and b.grad_fn.name() == "setitem"
        (b * Tensor(weights)).sum().backward()
        np.testing.assert_array_equal(a.grad.data, 2.0 * weights * factor)
    else:
        with pytest.raises(RuntimeError, match="in-place changes to a view .* not supported here while recording"):
            view.mul_(10.0)
        np.testing.assert_array_equal(b.data, 2.0 * BASE_VALUES)
        b.sum().backward()  # the graph is as before the refused change
        np.testing.assert_array_equal(a.grad.data, np.full((2, 3), 2.0))
    # a constant's view changed by a tensor that requires grad: PyTorch records it into the constant, we refuse
    c = tm.zeros(2, 3)
    with pytest.raises(RuntimeError, match="in-place changes to a view"):
        make_view(c).add_(Tensor(1.0, requires_grad=True))
    np.testing.assert_array_equal(c.data, np.zeros((2, 3)))


def test_in_place_through_a_slice_is_differentiated_as_pytorch():
    """b[1:].mul_(w) and b[0:2][0] = x * x, then backward: PyTorch's gradients (gradcheck)."""

    def changed(x, w):
        b = x * 1.0
        b[1:].mul_(w)
        b[0:2][0] = x[2] * x[2]
        return b * b

    assert tm.gradcheck(changed, [np.array([0.5, -1.0, 2.0]), np.array([1.5, -0.5])])
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = x * 1.0
    row = b[1:]
    row += 1.0
    row.mul_(2.0)  # a second change through the same slice
    np.testing.assert_array_equal(b.data, [1.0, 6.0, 8.0])
    b.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 2.0, 2.0])


def test_a_view_made_under_no_grad_and_changed_while_recording_raises_pytorchs_error():
    a = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        view = a[0:1]
    with pytest.raises(RuntimeError, match="A view was created in no_grad mode and is being modified inplace"):
        view.add_(1.0)
    np.testing.assert_array_equal(a.data, [1.0, 2.0])


def test_a_recorded_in_place_change_of_a_tensor_with_views_or_detached_copies_is_refused():
    """PyTorch shows the change through the views (they share memory); here they would keep the old values."""
    for make in (lambda b: b[0:1], lambda b: b.reshape(2, 1), lambda b: b.detach()):
        a = Tensor([1.0, 2.0], requires_grad=True)
        b = a * 2.0
        shared = make(b)
        with pytest.raises(RuntimeError, match="this tensor has views .* or detach\\(\\)ed copies"):
            b.mul_(10.0)
        np.testing.assert_array_equal(shared.data.ravel()[:1], [2.0])
        np.testing.assert_array_equal(b.data, [2.0, 4.0])
    in_graph = Tensor([1.0, 2.0], requires_grad=True) * 2.0
    used = in_graph[0:1].sigmoid()  # the graph holds the view  # noqa: F841
    with pytest.raises(RuntimeError, match="this tensor has views"):
        in_graph[1] = 0.0
    unshared = Tensor([1.0, 2.0], requires_grad=True) * 2.0
    unshared.mul_(10.0)  # no views: recorded as before
    np.testing.assert_array_equal(unshared.data, [20.0, 40.0])
    assert unshared[0].item() == 20.0 and unshared.detach().shape == (2,)  # gone by the next change: not counted
    unshared[0] = 1.0
    unshared.sum().backward()
    np.testing.assert_array_equal(unshared.data, [1.0, 40.0])


def test_indexing_with_an_array_copies_so_in_place_on_it_leaves_the_base_alone_as_in_pytorch():
    x = Tensor(BASE_VALUES, requires_grad=True)
    picked = x[[0, 1], 0]
    picked.mul_(10.0)  # not a view: recorded on the copy
    picked.sum().backward()
    np.testing.assert_array_equal(x.data, BASE_VALUES)
    np.testing.assert_array_equal(x.grad.data, [[10.0, 0, 0], [10.0, 0, 0]])
    masked = x.detach()[x.detach() > 2.0]
    masked.zero_()
    np.testing.assert_array_equal(x.data, BASE_VALUES)


def test_view_refuses_a_shape_that_needs_a_copy_as_pytorch_reshape_copies():
    x = Tensor(BASE_VALUES)
    with pytest.raises(RuntimeError, match="view size is not compatible .* Use .reshape"):
        x.T.view(6)
    flat = x.T.reshape(6)  # reshape copies here, as PyTorch's does: changing it leaves x alone
    flat.add_(1.0)
    np.testing.assert_array_equal(x.data, BASE_VALUES)
    np.testing.assert_array_equal(flat.data, BASE_VALUES.T.reshape(6) + 1.0)


def test_an_expanded_view_refuses_in_place_changes():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        x.expand(3, 2).add_(1.0)
    with no_grad(), pytest.raises(ValueError, match="add_: this tensor's array is read-only"):
        x.expand(3, 2).add_(1.0)
    np.testing.assert_array_equal(x.data, [1.0, 2.0])


def test_the_error_gives_the_version_the_op_used_and_unrelated_changes_do_not_count():
    x = Tensor([1.0, 2.0], requires_grad=True)
    unrelated = Tensor([5.0])
    with no_grad():
        x.mul_(3.0)  # version 1, before the loss is recorded: fine
    loss = (x * x).sum()
    unrelated.add_(1.0)  # a change elsewhere after recording must not be blamed on this graph
    with no_grad():
        x.add_(1.0)
        x.add_(1.0)  # versions 2 and 3, after recording
    with pytest.raises(RuntimeError, match=r"is at version 3; expected version 1 instead"):
        loss.backward()
    other = Tensor([2.0], requires_grad=True)
    second = (other * other).sum()
    unrelated.add_(1.0)
    second.backward()
    np.testing.assert_allclose(other.grad.data, [4.0])


def test_a_tensor_keeps_a_bounded_number_of_change_stamps():
    w = Parameter(np.array([1.0]))
    optimizer = SGD([w], lr=0.01)
    loss = (w * w).sum()
    w.grad = Tensor([1.0])
    for _ in range(100):
        optimizer.step()
    assert w._version == 100 and len(w._stamps) < 100  # memory does not grow with the number of steps
    with pytest.raises(RuntimeError, match=r"is at version 100; expected version at most \d+ instead"):
        loss.backward()


def test_no_grad_and_enable_grad_work_as_bare_decorators_too():
    x = Tensor([1.0], requires_grad=True)

    @no_grad
    def evaluate() -> Tensor:
        return x * 2

    @enable_grad
    def train() -> Tensor:
        return x * 2

    assert evaluate().grad_fn is None and is_grad_enabled()
    with no_grad():
        assert train().grad_fn is not None
        assert not is_grad_enabled()


# ------------------------------------------------------------ the public graph (grad_fn and its nodes)
def test_grad_fn_is_the_op_that_made_the_tensor_and_none_for_leaves():
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0])
    y = (w * x).sum()
    assert w.grad_fn is None and x.grad_fn is None
    assert y.grad_fn.name() == "sum" and y.grad_fn.name == "sum"  # PyTorch's call, and our attribute
    product = y.grad_fn.parents[0]
    assert y.grad_fn.inputs == y.grad_fn.parents == (product,)
    assert product.grad_fn.name() == "mul" and product.grad_fn.inputs == (w, x)


def test_next_functions_follow_pytorch_with_accumulate_grad_for_leaves_and_none_for_constants():
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0])
    y = (w * x).sum()
    ((mul_node, zero),) = y.grad_fn.next_functions
    assert zero == 0 and mul_node is y.grad_fn.parents[0].grad_fn
    (leaf_node, _), (constant_node, _) = mul_node.next_functions
    assert isinstance(leaf_node, autograd.AccumulateGrad) and leaf_node.variable is w
    assert leaf_node.name() == "AccumulateGrad" and leaf_node.next_functions == ()
    assert constant_node is None


def test_saved_tensors_are_what_the_backward_reads():
    w = Tensor([1.0, -2.0], requires_grad=True)
    s = w.sigmoid()
    assert len(s.grad_fn.saved_tensors) == 1 and s.grad_fn.saved_tensors[0] is s  # sigmoid reads its output
    product = w * 2.0
    assert product.grad_fn.saved_tensors == product.grad_fn.parents  # mul reads its inputs
    assert (w + 1.0).grad_fn.saved_tensors == ()  # add reads nothing
    with no_grad():
        s.mul_(2)  # changing a saved output: reading it now raises, as backward would
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _ = s.grad_fn.saved_tensors


def test_a_used_up_node_says_so():
    w = Tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    assert not y.grad_fn.graph_freed
    y.backward()
    assert y.grad_fn.graph_freed
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_a_probability_changed_in_place_is_no_longer_read_through_its_logits():
    from tinygrad_moons import functional, nn

    z = Tensor([[2.0], [-1.0]])
    p = functional.sigmoid(z)  # remembers z, so that a Keras loss can read around it
    assert functional.keras_logits(p, "sigmoid") is z
    y = Tensor([[1.0], [0.0]])
    with no_grad():
        p.mul_(0.5)  # p is no longer sigmoid(z): the loss must be computed from p itself
    halved = 0.5 / (1 + np.exp(-z.data))
    expected = -np.mean(y.data * np.log(halved) + (1 - y.data) * np.log(1 - halved))
    assert functional.keras_logits(p, "sigmoid") is None
    assert float(nn.BinaryCrossentropy()(y, p)) == pytest.approx(expected, rel=1e-12)


def test_the_advice_in_the_view_errors_works():
    """`c = b.clone(); c[0:1] = b[0:1] * 10` gives PyTorch's `b.reshape(2)[0:1].mul_(10)`: a.grad = [20, 2]."""
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = a * 2.0
    with pytest.raises(RuntimeError, match=r"y = x.clone\(\); y\[0:1\] = x\[0:1\] \* 10"):
        b.reshape(2)[0:1].mul_(10.0)  # a slice of a reshape: refused (only a slice of b itself is done as PyTorch)
    with pytest.raises(RuntimeError, match=r"y = x.clone\(\); y\[0:2\] = x\[0:2\].sigmoid\(\)"):
        b[0:1] = b[0:1] * 10.0  # the graph holds the view b[0:1]: PyTorch accepts this, we refuse
    c = b.clone()
    c[0:1] = b[0:1] * 10.0
    c.sum().backward()
    np.testing.assert_array_equal(c.data, [20.0, 4.0])
    np.testing.assert_array_equal(a.grad.data, [20.0, 2.0])


def test_the_testers_slice_example_gives_pytorchs_numbers_and_a_held_second_view_is_refused_cleanly():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    b[0:1].mul_(10)
    b.sum().backward()
    np.testing.assert_array_equal(b.data, [20.0, 4.0])
    np.testing.assert_array_equal(a.grad.data, [20.0, 2.0])
    a.grad = None
    b = a * 2
    held = b[0:1]
    with pytest.raises(RuntimeError, match="this tensor has views"):
        b[1:].mul_(3.0)  # `held` would keep the old values
    np.testing.assert_array_equal(b.data, [2.0, 4.0])
    (held.sum() + b.sum()).backward()  # nothing was changed: the graph is as before
    np.testing.assert_array_equal(a.grad.data, [4.0, 2.0])
