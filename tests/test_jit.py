"""``tinygrad_moons.compile``: a replayed program computes what eager computes, and what it cannot replay it refuses.

Exactness: the course's network trained 1,000 steps compiled and eagerly ends
with the same parameters (full batch and batches of 32, float64; the nn path
and the plain-Tensor loop); every op of the registry, drawn as in
tests/test_ops_gradients.py, gives the same values and gradients compiled
(replayed on *other* values than it was captured with) and eagerly.

Refusals: values read inside the function, grad/create_graph, custom ops in
the backward, changes the tracer cannot see; and the guards that capture
again (new shapes, replaced parameters, rebound tensors, changed numbers).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ops_gradients import GRADIENT_CASES, OP_NAMES
from threadpoolctl import threadpool_limits

import tinygrad_moons as tm
from tinygrad_moons import CompileError, Function, Tensor, nn, no_grad, ops, optim
from tinygrad_moons import functional as F
from tinygrad_moons.data import make_moons
from tinygrad_moons.reference import COURSE_LAYER_SIZES


# ------------------------------------------------------------------ helpers
@pytest.fixture(autouse=True)
def one_blas_thread():
    # Thousands of small matrix products: on a loaded machine a second BLAS thread that sleeps and wakes
    # between them makes the full-batch runs ~50x slower. The results do not depend on it.
    with threadpool_limits(1):
        yield


def course_model(dtype=np.float64, optimizer: str = "sgd"):
    widths = COURSE_LAYER_SIZES[1:]
    model = nn.Sequential(
        [
            nn.Dense(width, activation="sigmoid" if i == len(widths) - 1 else "relu", dtype=dtype, seed=i)
            for i, width in enumerate(widths)
        ]
    )
    model.build(COURSE_LAYER_SIZES[0])
    opt = optim.SGD(model.parameters(), lr=0.01) if optimizer == "sgd" else optim.Adam(model.parameters(), lr=0.01)
    return model, opt, nn.BCELoss()


def moons(dtype=np.float64):
    X, y = make_moons(n_samples=800, noise=0.1, random_state=0)
    return X.astype(dtype), y.reshape(-1, 1).astype(dtype)


def batches(X, y, batch_size, steps):
    starts = list(range(0, len(X), batch_size))
    for i in range(steps):
        start = starts[i % len(starts)]
        yield Tensor._wrap(X[start : start + batch_size]), Tensor._wrap(y[start : start + batch_size])


def training_step(model, opt, loss_fn):
    """One PyTorch-style step: the loss, zero_grad, backward, the optimizer's update; returns the loss."""

    def step(x, target):
        loss = loss_fn(model(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def train_nn(compiled: bool, batch_size: int, steps: int, optimizer: str = "sgd", dtype=np.float64):
    model, opt, loss_fn = course_model(dtype, optimizer)
    step = training_step(model, opt, loss_fn)
    run = tm.compile(step) if compiled else step
    X, y = moons(dtype)
    losses = [run(x, t) for x, t in batches(X, y, batch_size, steps)]
    return [p.data.copy() for p in model.parameters()], np.array([float(loss.data) for loss in losses]), run


def largest_difference(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b))


# ---------------------------------------------------------------- exactness
@pytest.mark.slow
@pytest.mark.parametrize("batch_size", [800, 32])
def test_course_network_compiled_equals_eager_over_1000_steps(batch_size):
    eager_params, eager_losses, _ = train_nn(False, batch_size, 1000)
    compiled_params, compiled_losses, run = train_nn(True, batch_size, 1000)
    assert run.captures == 1
    assert largest_difference(eager_params, compiled_params) <= 1e-12
    np.testing.assert_allclose(compiled_losses, eager_losses, rtol=0, atol=1e-12)


def test_adam_float32_compiled_equals_eager():
    eager_params, _, _ = train_nn(False, 32, 200, optimizer="adam", dtype=np.float32)
    compiled_params, _, _ = train_nn(True, 32, 200, optimizer="adam", dtype=np.float32)
    assert all(p.dtype == np.float32 for p in compiled_params)
    assert largest_difference(eager_params, compiled_params) == 0.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sgd_scales_the_gradients_in_one_block_bit_for_bit(dtype):
    eager_params, eager_losses, _ = train_nn(False, 32, 100, dtype=dtype)
    compiled_params, compiled_losses, run = train_nn(True, 32, 100, dtype=dtype)
    assert largest_difference(eager_params, compiled_params) == 0.0
    assert np.array_equal(eager_losses, compiled_losses)
    assert "the .grad block" in next(iter(run.programs.values())).listing()  # one product for all the gradients

    model, opt, loss_fn = course_model(dtype)
    step = tm.compile(training_step(model, opt, loss_fn))
    X, y = moons(dtype)
    for x, t in batches(X, y, 32, 3):
        step(x, t)
    bases = [p.grad.data.base for p in model.parameters()]
    assert bases[0] is not None and all(base is bases[0] for base in bases)


def test_sgd_on_a_gradient_block_follows_a_changed_rate_and_momentum_as_eager():
    results = []
    for compiled in (False, True):
        model, opt, loss_fn = course_model()
        step = training_step(model, opt, loss_fn)
        run = tm.compile(step) if compiled else step
        X, y = moons()
        for i, (x, t) in enumerate(batches(X, y, 32, 60)):
            if i == 20:
                opt.lr = 0.05  # read on every call
            if i == 40:
                opt.momentum = 0.9  # the lowered update hands over to SGD.step()
            run(x, t)
        results.append([p.data.copy() for p in model.parameters()])
    assert largest_difference(*results) == 0.0


def train_with_two_optimizers(compiled: bool) -> list[np.ndarray]:
    model, opt, loss_fn = course_model()
    other = optim.SGD(model.parameters(), lr=0.02)

    def step(x, target):
        loss = loss_fn(model(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        other.step()  # the same gradients, a second optimizer: the gradient block stays the first one's
        return loss

    run = tm.compile(step) if compiled else step
    X, y = moons()
    for x, t in batches(X, y, 32, 20):
        run(x, t)
    return [p.data.copy() for p in model.parameters()]


def test_sgd_twice_in_one_step_on_the_same_parameters_equals_eager():
    assert largest_difference(train_with_two_optimizers(False), train_with_two_optimizers(True)) == 0.0


def plain_tensor_training(compiled: bool, batch_size: int, steps: int):
    """The course's network as a PyTorch user writes it: A @ W + b, relu, F.binary_cross_entropy, manual SGD."""
    rng = np.random.default_rng(0)
    sizes = COURSE_LAYER_SIZES
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params.append(Tensor(rng.normal(0, np.sqrt(2 / n_in), (n_in, n_out)), requires_grad=True))
        params.append(Tensor(np.zeros(n_out), requires_grad=True))

    def step(x, target):
        h = x
        for i in range(0, len(params) - 2, 2):
            h = (h @ params[i] + params[i + 1]).relu()
        probs = (h @ params[-2] + params[-1]).sigmoid()
        loss = F.binary_cross_entropy(probs, target)
        loss.backward()
        with no_grad():
            for p in params:
                p -= 0.01 * p.grad
                p.grad = None
        return loss

    run = tm.compile(step) if compiled else step
    X, y = moons()
    for x, t in batches(X, y, batch_size, steps):
        run(x, t)
    return [p.data.copy() for p in params], run


@pytest.mark.slow
@pytest.mark.parametrize("batch_size", [800, 32])
def test_plain_tensor_loop_compiled_equals_eager_over_1000_steps(batch_size):
    eager, _ = plain_tensor_training(False, batch_size, 1000)
    compiled, run = plain_tensor_training(True, batch_size, 1000)
    assert largest_difference(eager, compiled) <= 1e-12
    assert run.captures <= 2  # a second capture settles a hand-written `p.grad = None` (see Program.tentative)


def test_a_smaller_last_batch_is_captured_once_more():
    eager, _, _ = train_nn(False, 300, 30)  # batches of 300, 300, 200
    compiled, _, run = train_nn(True, 300, 30)
    assert run.captures == 2
    assert len(run.programs) == 2
    assert largest_difference(eager, compiled) == 0.0


def test_gradients_accumulate_without_zero_grad_as_eager():
    def make():
        w = Tensor(np.linspace(-1, 1, 6).reshape(3, 2), requires_grad=True)
        return w, (lambda x: ((x @ w).tanh().sum()).backward())

    w_eager, step_eager = make()
    w_compiled, step = make()
    step = tm.compile(step)
    x = Tensor(np.arange(6.0).reshape(2, 3) / 6)
    for _ in range(4):
        step_eager(x)
        step(x)
        np.testing.assert_array_equal(w_compiled.grad.data, w_eager.grad.data)


# ---------------------------------------------- every op of the registry
def permuted(array: np.ndarray) -> np.ndarray:
    """The same values in another order: still in the op's domain, but not what was captured."""
    return array.reshape(-1)[::-1].reshape(array.shape).copy()


@pytest.mark.parametrize("name", OP_NAMES)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_every_registered_op_compiled_equals_eager(name, data):
    case = data.draw(GRADIENT_CASES[name])
    inputs = [np.asarray(a, dtype=np.float64) for a in case.inputs]
    weights = np.random.default_rng(1).normal(size=np.shape(case.call(*[Tensor(a) for a in inputs]).data))

    def program(weight, *tensors):
        out = case.call(*tensors)
        (out * weight).sum().backward()
        return out

    compiled = tm.compile(program)
    for values in (inputs, [permuted(a) for a in inputs]):  # capture, then a replay on other values
        eager_inputs = [Tensor(a, requires_grad=True) for a in values]
        compiled_inputs = [Tensor(a, requires_grad=True) for a in values]
        expected = program(Tensor(weights), *eager_inputs)
        got = compiled(Tensor(weights), *compiled_inputs)
        np.testing.assert_array_equal(got.data, expected.data, err_msg=case.description)
        for e, c in zip(eager_inputs, compiled_inputs):
            if e.grad is None:
                assert c.grad is None
            else:
                np.testing.assert_array_equal(c.grad.data, e.grad.data, err_msg=case.description)
    assert compiled.captures == 1


# ------------------------------------- backward rules that read values
def compiled_equals_eager_on(program, *calls):
    """``program`` (forward and backward) captured on the first call's values, replayed on the others: as eager."""
    compiled = tm.compile(program)
    for values in calls:
        eager_inputs = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in values]
        compiled_inputs = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in values]
        expected = program(*eager_inputs)
        got = compiled(*compiled_inputs)
        np.testing.assert_array_equal(got.data, expected.data)
        for e, c in zip(eager_inputs, compiled_inputs):
            np.testing.assert_array_equal(c.grad.data, e.grad.data)
    assert compiled.captures == 1


def with_backward(fn):
    def program(*tensors):
        out = fn(*tensors)
        if any(t.requires_grad for t in tensors):
            weight = Tensor(np.linspace(0.5, 1.5, out.data.size))
            (out.reshape(-1) * weight).sum().backward()
        return out

    return program


# Each op's mask (or branch) at capture differs from the one its replays need: a frozen mask would show.
EDGE_CASES = {
    "minimum": (lambda a, b: tm.minimum(a, b), [[1.0, -1.0], [0.0, 0.0]], [[-1.0, 1.0], [0.0, 0.5]], [[2.0, 2.0]] * 2),
    "maximum": (lambda a, b: tm.maximum(a, b), [[1.0, -1.0], [0.0, 0.0]], [[-1.0, 1.0], [0.0, 0.5]], [[2.0, 2.0]] * 2),
    "min": (lambda a: a.min(), [[1.0, 2.0, 3.0]], [[3.0, 2.0, 1.0]], [[1.0, 1.0, 2.0]]),
    "max": (lambda a: a.max(), [[1.0, 2.0, 3.0]], [[3.0, 2.0, 1.0]], [[1.0, np.nan, 2.0]]),
    "softplus": (lambda a: a.softplus(), [[0.1, -0.3]], [[30.0, -0.3]], [[0.2, 25.0]]),
    "pow": (lambda a, b: a**b, [[1.5, 2.0], [2.0, 3.0]], [[0.0, 2.0], [0.0, 3.0]], [[0.0, 0.0], [2.0, 0.0]]),
    "prod": (lambda a: a.prod(), [[1.0, 2.0, 3.0]], [[0.0, 2.0, 3.0]], [[0.0, 0.0, 3.0]]),
    "relu": (lambda a: a.relu(), [[1.0, -2.0]], [[-1.0, np.nan]], [[0.0, 2.0]]),
    "clip": (lambda a: a.clip(-1.0, 1.0), [[0.5, 2.0]], [[2.0, 0.5]], [[-1.0, 1.0]]),
    "abs": (lambda a: a.abs(), [[1.0, -2.0]], [[-1.0, 0.0]], [[0.0, 2.0]]),
    "where on a comparison": (lambda a: tm.where(a > 0, a, a * 0.1), [[1.0, -2.0]], [[-1.0, 2.0]], [[3.0, 0.0]]),
}


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_value_dependent_backward_rules_are_replayed_on_each_calls_values(name):
    fn, *calls = EDGE_CASES[name]
    compiled_equals_eager_on(with_backward(fn), *calls)


def test_every_backward_that_reads_values_has_a_kernel():
    from tinygrad_moons.jit import BACKWARD_KERNELS, VALUE_DEPENDENT

    # The audit of ops.py (docs/notes/jit.md): the rules that compute a constant from the input's values.
    audited = {"relu", "leaky_relu", "abs", "clip", "maximum", "minimum", "max", "min", "softplus", "pow", "prod"}
    assert VALUE_DEPENDENT == audited
    assert audited <= set(BACKWARD_KERNELS)


def test_a_value_dependent_backward_without_a_kernel_for_its_dtypes_is_refused():
    a = Tensor(np.array([1.0, 0.0], dtype=np.float32), requires_grad=True)
    b = Tensor(np.array([2.0, 0.0]), requires_grad=True)

    def step(a, b):
        (ops.Pow.apply(a, b)).sum().backward()  # mixed dtypes, straight to the op

    with pytest.raises(CompileError, match="pow"):
        tm.compile(step)(a, b)


def test_an_index_made_from_values_is_refused():
    with pytest.raises(CompileError, match="x\\[x > 0\\]"):
        tm.compile(lambda x: x[x > 0].sum())(Tensor([1.0, -1.0]))


def test_a_decision_on_a_comparison_is_refused():
    w, x = small_problem()

    @tm.compile
    def step(x):
        loss = (x @ w).sum()
        return loss * 2 if loss > 0 else loss

    with pytest.raises(CompileError, match="bool"):
        step(x)


def test_dropout_and_labels_made_into_one_hot_rows_are_refused():
    dropout = nn.Dropout(0.5, seed=0)
    with pytest.raises(CompileError, match="Dropout"):
        tm.compile(lambda x: dropout(x).sum())(Tensor(np.ones((4, 3))))
    scores = Tensor(np.ones((3, 4)))
    with pytest.raises(CompileError, match="class labels"):
        tm.compile(lambda s, t: F.cross_entropy(s, t))(scores, Tensor(np.array([0, 1, 2])))
    with pytest.raises(CompileError, match="sparse_categorical_crossentropy"):
        tm.compile(lambda t, s: nn.losses.sparse_categorical_crossentropy(t, s))(Tensor([0.0, 1.0, 2.0]), scores)


def test_in_place_ops_grad_mode_and_retain_graph_inside_a_capture():
    w = Tensor(np.array([[0.5, -1.0], [2.0, 0.25]]), requires_grad=True)
    scale = Tensor(np.array([1.0, 2.0]))

    def step(x):
        h = (x @ w).relu()
        with no_grad():
            scale.mul_(1.5)  # an in-place update of a held tensor, replayed
            assert not tm.is_grad_enabled()
        loss = (h * scale).sum()
        loss.backward(retain_graph=True)
        loss.backward()  # the retained graph: gradients add up
        with no_grad():
            w.sub_(0.01 * w.grad)
            w.grad = None
        return loss

    eager_w, eager_scale = w.data.copy(), scale.data.copy()
    x = Tensor(np.array([[1.0, 2.0], [-3.0, 1.0]]))
    expected = []
    for _ in range(3):
        expected.append(step(x).data.copy())
    eager_after = (w.data.copy(), scale.data.copy())
    w.data, scale.data = eager_w, eager_scale
    compiled = tm.compile(step)
    got = [compiled(x).data.copy() for _ in range(3)]
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(w.data, eager_after[0])
    np.testing.assert_array_equal(scale.data, eager_after[1])


def test_gradient_clipping_with_clamp_inside_is_replayed():
    def make():
        w = Tensor(np.array([[3.0, -1.0], [0.5, 2.0]]), requires_grad=True)

        def step(x):
            ((x @ w) ** 2).sum().backward()
            with no_grad():
                w.grad.clamp_(-1.0, 1.0)  # clipping by value, on the gradient the backward just made
                w.sub_(0.1 * w.grad)
                w.grad.zero_()

        return w, step

    w_eager, eager = make()
    w_compiled, compiled = make()
    compiled = tm.compile(compiled)
    for k in range(4):
        x = Tensor(np.array([[1.0, 2.0], [-1.0, 0.5]]) * (k + 1) * 0.1)
        eager(x)
        compiled(x)
        np.testing.assert_array_equal(w_compiled.data, w_eager.data)


def test_a_replayed_update_is_seen_by_a_graph_recorded_before_it():
    w, x = small_problem()
    opt = optim.SGD([w], lr=0.1)

    def step(x):
        opt.zero_grad()
        (x @ w).sum().backward()
        opt.step()

    compiled = tm.compile(step)
    compiled(x)
    stale = (x @ w).sum()  # records w at its current version
    compiled(x)  # a replay changes w in place
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        stale.backward()


def test_retain_grad_and_an_argument_with_a_graph_are_refused():
    w, x = small_problem()

    def step(x):
        h = x @ w
        h.retain_grad()
        h.sum().backward()

    with pytest.raises(CompileError, match="retain_grad"):
        tm.compile(step)(x)
    with pytest.raises(CompileError, match="argument with a graph"):
        tm.compile(lambda h: h.sum().backward())(x @ w)


def test_under_a_backward_tape_the_function_runs_eagerly():
    from tinygrad_moons.tape import trace_backward

    w, x = small_problem()
    step = tm.compile(lambda x: (x @ w).sum().backward())
    with trace_backward() as tape:
        step(x)
    assert tape.passes == 1 and step.captures == 0


def test_backward_without_retain_graph_twice_is_refused_as_eager():
    w, x = small_problem()

    def step(x):
        loss = (x @ w).sum()
        loss.backward()
        loss.backward()

    with pytest.raises(RuntimeError) as eager:
        step(x)
    w.grad = None
    with pytest.raises(RuntimeError) as compiled:
        tm.compile(step)(x)
    assert type(compiled.value) is type(eager.value)


# ------------------------------------------------------------------ refusals
def small_problem():
    w = Tensor([[0.5], [-0.25]], requires_grad=True)
    x = Tensor([[1.0, 2.0], [3.0, -1.0]])
    return w, x


@pytest.mark.parametrize(
    "read, words",
    [
        (lambda loss: loss.item(), "item()"),
        (lambda loss: loss.numpy(), "numpy()"),
        (lambda loss: loss.tolist(), "tolist()"),
        (lambda loss: bool(loss), "bool(t)"),
        (lambda loss: np.asarray(loss), "__array__()"),
    ],
)
def test_reading_a_computed_value_inside_is_refused(read, words):
    w, x = small_problem()

    @tm.compile
    def step(x):
        loss = (x @ w).sum()
        if read(loss):  # a decision on a value: a replay could not take it again
            loss = loss * 2
        return loss

    with pytest.raises(CompileError, match=words.replace("(", r"\(").replace(")", r"\)")):
        step(x)
    assert not hasattr(Tensor.item, "__wrapped__")  # the guards are gone after the capture
    assert (x @ w).sum().item() == pytest.approx(1.75)


def test_reading_values_outside_is_fine():
    w, x = small_problem()
    step = tm.compile(lambda x: (x @ w).sum())
    assert step(x).item() == pytest.approx(1.75)
    assert step(x).item() == pytest.approx(1.75)


def test_autograd_grad_and_create_graph_inside_are_refused():
    w, x = small_problem()
    with pytest.raises(CompileError, match="autograd.grad"):
        tm.compile(lambda x: tm.grad((x @ w).sum(), w))(x)
    with pytest.raises(CompileError, match="create_graph"):
        tm.compile(lambda x: (x @ w).sum().backward(create_graph=True))(x)


def test_a_custom_function_in_the_backward_is_refused():
    class Double(Function):
        name = "double"

        def forward(self, a):
            return 2 * a

        def backward(self, grad):
            return grad * 2

    w, x = small_problem()
    with pytest.raises(CompileError, match="Double"):
        tm.compile(lambda x: Double.apply(x @ w).sum().backward())(x)


def test_a_change_through_data_inside_is_refused():
    w, x = small_problem()

    def step(x):
        (x @ w).sum().backward()
        w.data = w.data - 0.1 * w.grad.data  # invisible to the tracer

    with pytest.raises(CompileError, match="changed in place"):
        tm.compile(step)(x)


def test_an_in_place_fill_from_random_numbers_inside_is_refused():
    noise = Tensor(np.zeros((2, 1)))

    def step(x):
        noise.uniform_()
        return x @ noise

    with pytest.raises(CompileError, match="uniform_"):
        tm.compile(step)(Tensor(np.ones((2, 2))))


def test_numpy_arguments_are_refused():
    with pytest.raises(CompileError, match="Tensors, not NumPy arrays"):
        tm.compile(lambda x: x)(np.ones(3))


# ------------------------------------------------------------------ guards
def test_a_replaced_parameter_captures_again():
    model, opt, loss_fn = course_model()
    X, y = moons()
    x, t = Tensor(X[:32]), Tensor(y[:32])

    def step(x, target):
        loss = loss_fn(model(x), target)
        opt.zero_grad()
        loss.backward()
        return loss

    compiled = tm.compile(step)
    compiled(x, t)
    first_layer = model.layers[0]
    first_layer.kernel = nn.Parameter(np.full(first_layer.kernel.shape, 0.1))
    expected = step(x, t).data.copy()
    assert np.array_equal(compiled(x, t).data, expected)
    assert compiled.captures == 2


def test_a_rebound_global_tensor_and_a_changed_number_capture_again():
    global SCALE, WEIGHT
    SCALE, WEIGHT = 2.0, Tensor([1.0, 2.0])
    step = tm.compile(lambda x: (x * WEIGHT * SCALE).sum())
    x = Tensor([1.0, 1.0])
    assert step(x).item() == 6.0
    WEIGHT = Tensor([3.0, 3.0])
    assert step(x).item() == 12.0
    SCALE = 1.0
    assert step(x).item() == 6.0
    assert step.captures == 3


def test_values_changed_from_outside_between_calls_are_used():
    w, x = small_problem()
    step = tm.compile(lambda x: (x @ w).sum())
    step(x)
    with no_grad():
        w.mul_(2.0)  # in place, from outside
    x.data[...] = 1.0  # the input's array, written directly
    assert step(x).item() == pytest.approx((np.ones((2, 2)) @ w.data).sum())


def test_under_detect_anomaly_the_function_runs_eagerly():
    w, x = small_problem()
    step = tm.compile(lambda x: (x @ w).sum())
    with tm.detect_anomaly():
        assert step(x).item() == pytest.approx(1.75)
    assert step.captures == 0


def test_the_listing_shows_the_fused_kernels():
    model, opt, loss_fn = course_model()
    step = tm.compile(training_step(model, opt, loss_fn))

    X, y = moons()
    x, t = Tensor(X[:32]), Tensor(y[:32])
    step(x, t)
    listing = step.listing(x, t)
    assert "OUT" not in listing
    assert listing.count("np.dot(input0, dense_1.kernel") == 1  # the bias is added into the matmul's output
    assert "relu backward" in listing and "SGD.step()" in listing
    beside_the_graph = step.listing(x, t, origins=True)
    assert "linear in dense_1 " in beside_the_graph and "d relu in dense_4 " in beside_the_graph
    with pytest.raises(KeyError):
        step.listing(Tensor(X[:8]), Tensor(y[:8]))


def test_buffers_whose_lifetimes_do_not_overlap_share_memory():
    model, opt, loss_fn = course_model()
    step = tm.compile(training_step(model, opt, loss_fn))

    X, y = moons()
    x, t = Tensor(X), Tensor(y)
    step(x, t)
    step(x, t)
    program = step.program_for(x, t)
    assert program.buffer_bytes() < 0.75 * program.bytes_before_sharing
    # Measured independently from the steps: each result lives from the step that writes it to the last that
    # reads it; results in one buffer follow each other (an in-place step reads one and writes the next).
    first_write, last_read = {}, {}
    for i, s in enumerate(program.steps):
        for slot in s.reads:
            last_read[slot] = i
        if s.write is not None:
            first_write.setdefault(s.write, i)
    by_buffer = {}
    for slot, name in program.buffer_of.items():
        by_buffer.setdefault(name, []).append(slot)
    assert any(len(slots) > 2 for slots in by_buffer.values())  # more than an in-place pair
    for slots in by_buffer.values():
        slots.sort(key=first_write.__getitem__)
        for earlier, later in zip(slots, slots[1:]):
            assert last_read.get(earlier, first_write[earlier]) <= first_write[later]
    # A parameter's .grad outlives the call: its buffer is its own.
    for p in model.parameters():
        owners = [name for name, memory in program.buffers.items() if np.shares_memory(memory, p.grad.data)]
        assert len(owners) == 1 and len(by_buffer[owners[0]]) == 1


def test_a_view_of_a_shared_buffer_keeps_it_alive():
    # reshape is replayed by its own forward and returns a view of the exp's buffer: that buffer must not be
    # given to the second exp while the view is still to be read.
    def f(x, w):
        a = (x * w).exp()
        v = a.reshape(-1)
        b = (x + w).exp()
        return (v * b.reshape(-1)).sum()

    step = tm.compile(f)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x, w = Tensor(rng.normal(size=(4, 3))), Tensor(rng.normal(size=(4, 3)))
        assert np.array_equal(step(x, w).data, f(x, w).data)
    assert step.captures == 1


# ------------------------------------------------------------------ Model.fit
def fitted(jit_compile, loss="binary_crossentropy", batch_size=30, epochs=3, metrics=("accuracy",)):
    model, _, _ = course_model()
    model.compile(loss=loss, optimizer=optim.Adam(lr=0.01), metrics=list(metrics), jit_compile=jit_compile)
    X, y = moons()
    history = model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0, seed=0)
    return model, [p.data.copy() for p in model.parameters()], history.history


def test_fit_compiled_by_default_equals_fit_eager():
    model, compiled, compiled_history = fitted("auto")  # batches of 30: the last one has 20 rows
    _, eager, eager_history = fitted(False)
    assert largest_difference(compiled, eager) == 0.0
    assert compiled_history == eager_history
    assert model._compiled_step.captures == 2  # one program per batch shape, kept across epochs


@pytest.mark.parametrize("loss", ["mse", "mse_torch", "bce_torch", "keras_function"])
def test_fit_compiled_equals_fit_eager_for_losses_of_both_dialects(loss):
    # Keras losses are called (y_true, y_pred), PyTorch's (input, target): compiled steps call them as eager ones.
    dialects = {"bce_torch": nn.BCELoss(), "mse_torch": nn.MSELoss(), "keras_function": nn.losses.binary_crossentropy}
    chosen = dialects.get(loss, loss)
    _, compiled, compiled_history = fitted("auto", loss=chosen)
    _, eager, eager_history = fitted(False, loss=chosen)
    assert largest_difference(compiled, eager) == 0.0
    assert compiled_history == eager_history


def test_fit_auto_with_dropout_runs_eagerly_and_equals_eager():
    def model_with_dropout():
        tm.manual_seed(0)
        model = nn.Sequential([nn.Dense(8, activation="relu", seed=0), nn.Dropout(0.5, seed=1), nn.Dense(1, seed=2)])
        model.build(2)
        return model

    X, y = moons()
    results = []
    for jit_compile in ("auto", False):
        model = model_with_dropout()
        model.compile(loss=nn.BCEWithLogitsLoss(), optimizer="sgd", jit_compile=jit_compile)
        model.fit(X, y, epochs=2, batch_size=100, verbose=0, seed=0)
        results.append([p.data.copy() for p in model.parameters()])
    assert largest_difference(*results) == 0.0


def test_fit_auto_falls_back_to_eager_when_the_step_cannot_be_captured():
    class Squared(Function):  # a custom op: its backward cannot be captured
        name = "squared"

        def forward(self, a):
            return a * a

        def backward(self, grad):
            return grad * 2 * self.parents[0]

    def custom_loss(prediction, target):
        return Squared.apply(prediction - target).mean()

    _, auto, _ = fitted("auto", loss=custom_loss)
    _, eager, _ = fitted(False, loss=custom_loss)
    assert largest_difference(auto, eager) == 0.0
    with pytest.raises(CompileError, match="Squared"):
        fitted(True, loss=custom_loss)


def test_fit_jit_compile_must_be_true_false_or_auto():
    model, _, _ = course_model()
    with pytest.raises(ValueError, match="jit_compile"):
        model.compile(jit_compile="yes")


def test_a_compiled_model_pickles_and_trains_on():
    import pickle

    model, _, _ = fitted(True, epochs=1, metrics=())
    copy = pickle.loads(pickle.dumps(model))
    X, y = moons()
    model.fit(X, y, epochs=1, batch_size=30, verbose=0, seed=1)
    copy.fit(X, y, epochs=1, batch_size=30, verbose=0, seed=1)
    assert largest_difference([p.data for p in model.parameters()], [p.data for p in copy.parameters()]) == 0.0


def test_the_capturing_call_returns_what_the_replays_return():
    """The first call returned the eager loss, graph attached (grad_fn, requires_grad); replays returned detached
    copies: the same function's result depended on the call number."""
    rng = np.random.default_rng(0)
    weight = Tensor(rng.normal(size=(2, 1)), requires_grad=True)
    optimizer = optim.SGD([weight], lr=0.1)

    @tm.compile
    def step(x):
        out = x @ weight
        loss = (out * out).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss, [out, x, weight]

    looks = []
    values = []
    for _ in range(3):
        x = Tensor(rng.normal(size=(4, 2)))
        loss, (out, same_x, same_weight) = step(x)
        assert same_x is x and same_weight is weight  # an argument or a parameter comes back as itself
        looks.append([(t.grad_fn, t.requires_grad, t.dtype, t.shape) for t in (loss, out)])
        values.append((loss, loss.numpy().copy()))
    assert step.captures == 1
    assert looks[0] == looks[1] == looks[2] == [(None, False, np.float64, ()), (None, False, np.float64, (4, 1))]
    for loss, value in values:  # a later call writes into no earlier result
        np.testing.assert_array_equal(loss.numpy(), value)


def test_a_step_returning_a_namedtuple_returns_one_on_every_call():
    """A namedtuple result failed (its type was called with one generator, not its fields): first call and replays."""
    from collections import namedtuple

    Result = namedtuple("Result", ["loss", "scaled"])
    weight = tm.tensor([1.0, 2.0], requires_grad=True)

    @tm.compile
    def step(x):
        loss = (x * weight).sum()
        return Result(loss, loss * 2)

    x = tm.tensor([3.0, 4.0])
    results = [step(x) for _ in range(3)]
    for result in results:
        assert type(result) is Result
        assert result.loss.item() == 11.0 and result.scaled.item() == 22.0
