"""The backward tape: what it records adds up to every ``.grad``, and ``explain`` ends in it.

Programs are drawn from the op registry's own gradient cases
(``tests/test_ops_gradients.py``), with an extra use of the first input so
that gradients from two paths meet in one tensor.
"""

from __future__ import annotations

import runpy
import threading
from functools import reduce
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_ops_gradients import GRADIENT_CASES

import tinygrad_moons as tm
from tinygrad_moons import REGISTRY, Tensor, experiment, nn
from tinygrad_moons.explain import _number
from tinygrad_moons.tape import BackwardTape, trace_backward

OP_NAMES = sorted(REGISTRY)


def traced_program(case, extra_path: bool):
    """The case's op, summed to a scalar with fixed weights, plus (optionally) a second path from input 0."""
    leaves = [Tensor(array, requires_grad=True) for array in case.inputs]
    out = case.call(*leaves)
    weights = np.linspace(-1.0, 1.0, out.data.size).reshape(out.shape) if out.ndim else 0.5
    loss = (out * Tensor(np.asarray(weights, dtype=out.dtype))).sum()
    if extra_path:
        loss = loss + (leaves[0] * leaves[0]).sum() * 0.25
    with trace_backward() as tape:
        loss.backward()
    return leaves, loss, tape


@pytest.mark.slow  # 42 ops x 40 examples, explained element by element: ~7 s of CPU; the next test stays quick
@pytest.mark.parametrize("op_name", OP_NAMES)
@given(data=st.data(), extra_path=st.booleans())
def test_contributions_sum_exactly_to_every_leaf_grad(op_name, data, extra_path):
    case = data.draw(GRADIENT_CASES[op_name])
    leaves, loss, tape = traced_program(case, extra_path)
    for leaf in leaves:
        if leaf.grad is None:
            assert not tape.contributions_to(leaf)
            continue
        contributions = tape.contributions_to(leaf)
        assert contributions, "a leaf with a .grad got nothing on the tape"
        # Summed in the engine's order, the recorded gradients are the .grad, bit for bit.
        summed = reduce(lambda total, c: total + c.gradient, contributions[1:], contributions[0].gradient)
        assert summed.shape == leaf.shape
        np.testing.assert_array_equal(summed, leaf.grad.data)
        np.testing.assert_array_equal(tape.total_gradient(leaf), leaf.grad.data)
        arrival = [a for a in tape.arrivals if a.tensor is leaf]
        assert len(arrival) == 1
        np.testing.assert_array_equal(arrival[0].grad_after, leaf.grad.data)
        # Every accumulation's total is its previous total plus what was added.
        for accumulation in tape.accumulations:
            np.testing.assert_array_equal(accumulation.previous + accumulation.added, accumulation.total)
        # explain ends in the .grad value for every element, and every link's terms add up to its value
        # (the terms are multiplied out in float64; a float32 op rounded its own products to float32).
        rtol = 64 * max(np.finfo(step.output_value.dtype).eps for step in tape.steps)
        for index in np.ndindex(*leaf.shape):
            explanation = tape.explain(leaf, index)
            assert explanation.value == explanation.grad == leaf.grad.data[index]
            for link in explanation.links + explanation.paths:
                if link.terms:
                    scale = sum(abs(t.product) for t in link.terms)
                    assert abs(sum(t.product for t in link.terms) - link.value) <= rtol * scale + 1e-12, link


@pytest.mark.parametrize("op_name", OP_NAMES)
@given(data=st.data())
def test_every_step_records_what_it_received_and_sent(op_name, data):
    case = data.draw(GRADIENT_CASES[op_name])
    leaves, loss, tape = traced_program(case, extra_path=True)
    assert tape.steps[0].output is loss and tape.steps[0].upstream == 1.0
    for step in tape.steps:
        assert step.op in REGISTRY and step.function.name == step.op
        assert step.upstream.shape == step.output_value.shape
        assert step.rule  # the op's backward docstring
        for contribution in step.contributions:
            assert contribution.tensor is step.inputs[contribution.input_index]
            assert contribution.gradient.shape == contribution.tensor.shape
            assert contribution.gradient.dtype == contribution.tensor.dtype


def test_accumulation_names_both_paths():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    loss = (y + y.exp()).sum()
    with trace_backward() as tape:
        loss.backward()
    (meeting,) = [a for a in tape.accumulations if a.tensor is y]
    assert [c.step.op for c in meeting.paths] == ["add", "exp"]
    np.testing.assert_array_equal(meeting.previous, [1.0, 1.0])
    np.testing.assert_array_equal(meeting.added, np.exp([3.0, 6.0]))
    explanation = tape.explain(y, 1)
    assert len(explanation.paths) == 2
    assert explanation.value == 1.0 + np.exp(6.0)


def test_untraced_backward_records_nothing_and_tape_is_per_thread():
    x = Tensor([1.0, 2.0], requires_grad=True)
    other_tapes: list[BackwardTape] = []

    def other_thread() -> None:
        z = Tensor([3.0], requires_grad=True)
        (z * z).sum().backward()  # not traced: the tape belongs to the main thread
        with trace_backward() as own:
            (z * 2.0).sum().backward()
        other_tapes.append(own)

    with trace_backward() as tape:
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        (x * x).sum().backward()
    assert [s.op for s in tape.steps] == ["sum", "mul"]
    assert [s.op for s in other_tapes[0].steps] == ["sum", "mul"]
    assert other_tapes[0].steps[0].output is not tape.steps[0].output
    (x * x).sum().backward()
    assert len(tape.steps) == 2  # closed: later passes are not recorded


def test_nested_traces_each_get_their_own_tape():
    x = Tensor([1.0], requires_grad=True)
    with trace_backward() as outer:
        (x * 2.0).sum().backward()
        with trace_backward() as inner:
            (x + 1.0).sum().backward()
        (x.exp()).sum().backward()
    assert [s.op for s in outer.steps] == ["sum", "mul", "sum", "exp"]
    assert [s.op for s in inner.steps] == ["sum", "add"]


def test_two_passes_in_one_trace_are_explained_separately():
    w = Tensor([2.0, -1.0], requires_grad=True)
    with trace_backward() as tape:
        (w * 3.0).sum().backward()
        (w * w).sum().backward()  # .grad now holds 3 + 2w
    assert tape.passes == 2 and [s.pass_number for s in tape.steps] == [1, 1, 2, 2]
    explanation = tape.explain(w, 0)
    assert explanation.value == 4.0 and explanation.grad_before == 3.0 and explanation.grad == 7.0
    (meeting,) = tape.accumulations
    assert [(c.step.pass_number, c.input_index) for c in meeting.paths] == [(2, 0), (2, 1)]
    # Two paths, both from the second pass's w * w (input 0 and input 1); the first pass is not one of them.
    assert [(p.op, p.value) for p in explanation.paths] == [("mul", 2.0), ("mul", 2.0)]
    assert str(explanation).splitlines()[-1].endswith("3 + 4 = 7, equal to .grad[0] = 7")


def test_autograd_grad_is_traced_without_touching_grad():
    x = Tensor([0.5, -2.0], requires_grad=True)
    with trace_backward() as tape:
        (g,) = tm.grad((x * x * x).sum(), x)
    assert x.grad is None and tape.arrivals == []
    np.testing.assert_array_equal(tape.total_gradient(x), g.data)
    explanation = tape.explain(x, 1)
    assert explanation.grad is None and explanation.value == g.data[1] == 12.0


def test_explain_refuses_a_tensor_the_pass_never_reached():
    x = Tensor([1.0], requires_grad=True)
    unused = Tensor([2.0], requires_grad=True)
    with trace_backward() as tape:
        (x * 2.0).sum().backward()
    with pytest.raises(ValueError, match="never reached"):
        tape.explain(unused, 0)
    with pytest.raises(IndexError, match="shape"):
        tape.explain(x, 3)


# ------------------------------------------------------------- the course's network
@pytest.fixture(scope="module")
def course_network():
    recipe = experiment.COURSE
    split = experiment.make_split(recipe)
    model = experiment.build_model(recipe)
    X, y = split.X_train[:16], split.y_train[:16].reshape(-1, 1)
    loss = nn.BinaryCrossentropy()(Tensor(y, name="y"), model(Tensor(X, name="X")))
    with trace_backward() as tape:
        loss.backward()
    return model, tape


def test_explain_ends_in_grad_for_every_parameter_element_of_the_course_network(course_network):
    model, tape = course_network
    checked = 0
    for layer in model.layers:
        for parameter in (layer.kernel, layer.bias):
            for index in np.ndindex(*parameter.shape):
                explanation = tape.explain(parameter, index)
                assert explanation.value == explanation.grad == parameter.grad.data[index]
                own = explanation.links[0]
                # The first link's terms, multiplied out and added, give the engine's number.
                np.testing.assert_allclose(sum(t.product for t in own.terms), own.value, rtol=1e-9, atol=1e-15)
                checked += 1
    assert checked == sum(p.data.size for p in model.parameters())


def test_each_link_uses_the_value_of_the_link_above_it(course_network):
    model, tape = course_network
    explanation = tape.explain(model.layers[0].kernel, (1, 3))
    for lower, upper in zip(explanation.links, explanation.links[1:]):
        tensor, index = lower.follow
        assert upper.value == tape.total_gradient(tensor)[index]
        assert any(value == upper.value for term in lower.terms for _, value in term.factors)
        np.testing.assert_allclose(sum(t.product for t in lower.terms), lower.value, rtol=1e-9, atol=1e-15)
    assert explanation.links[-1].op == "loss" and explanation.links[-1].value == 1.0


def test_explain_uses_the_courses_formulas(course_network):
    model, tape = course_network
    last = tape.explain(model.layers[-1].kernel, (0, 0))
    text = str(last)
    for name in ("∂E/∂ŷ = (1/n)(ŷ−y)/(ŷ(1−ŷ))", "σ′(z) = ŷ(1−ŷ)", "∂z/∂w = x"):
        assert name in text
    first = str(tape.explain(model.layers[0].kernel, (0, 0)))
    assert "ReLU′ = 1[z>0]" in first and "∂z/∂w = x" in first
    assert text.splitlines()[-1].endswith(f".grad[0,0] = {_number(model.layers[-1].kernel.grad.data[0, 0])}")
    # The course's product: dE/dw = (1/n)(ŷ - y) x, summed over the samples.
    step = next(s for s in tape.steps if s.op == "binary_cross_entropy_with_logits")
    z, y = step.input_values
    y_hat = 1 / (1 + np.exp(-z))
    x = next(s for s in tape.steps if s.op == "linear").input_values[0]
    by_hand = (x[:, :1] * (y_hat - y) / len(y)).sum()
    np.testing.assert_allclose(last.value, by_hand, rtol=1e-12)


@pytest.mark.parametrize("loss_name", ["BCELoss", "F.binary_cross_entropy"])
def test_explain_names_the_seeds_factors_through_pytorchs_unfused_bce(loss_name):
    # PyTorch's loss is computed from ŷ itself (clip, log, ...): ŷ is reached by two paths, log ŷ and log(1 − ŷ),
    # whose sum is the course's ∂E/∂ŷ; the sigmoid's own step then gives σ′(z).
    recipe = experiment.COURSE
    split = experiment.make_split(recipe)
    model = experiment.build_model(recipe)
    X, y = split.X_train[:16], split.y_train[:16].reshape(-1, 1)
    y_hat = model(Tensor(X, name="X"))
    if loss_name == "BCELoss":
        loss = nn.BCELoss()(y_hat, Tensor(y))
    else:
        loss = tm.functional.binary_cross_entropy(y_hat, y)
    with trace_backward() as tape:
        loss.backward()
    last = tape.explain(model.layers[-1].kernel, (0, 0))
    text = str(last)
    for name in ("∂E/∂ŷ = (1/n)(−y/ŷ + (1−y)/(1−ŷ)) = (1/n)(ŷ−y)/(ŷ(1−ŷ))", "σ′(z) = ŷ(1−ŷ)", "∂z/∂w = x"):
        assert name in text
    assert "· (−y)" in text or "· (y−1)" in text  # the loss's constant factor is named after the target
    assert last.value == last.grad == model.layers[-1].kernel.grad.data[0, 0]
    assert text.splitlines()[-1].endswith(f".grad[0,0] = {_number(last.grad)}")
    # The link that sums ŷ's two paths is the course's ∂E/∂ŷ, element by element.
    (meeting,) = [link for link in last.links if link.op == "sum of paths"]
    tensor, index = next(link.follow for link in last.links if link.op == "sigmoid")
    p = y_hat.data[meeting_index(meeting)]
    target = y[meeting_index(meeting)]
    np.testing.assert_allclose(meeting.value, (p - target) / (p * (1 - p)) / len(y), rtol=1e-12)
    by_hand = (y_hat.data - y) / (y_hat.data * (1 - y_hat.data)) / len(y)
    np.testing.assert_allclose(tape.total_gradient(y_hat), by_hand, rtol=1e-12)
    assert tensor is y_hat and index == meeting_index(meeting)  # the sigmoid's link uses the summed ∂E/∂ŷ
    x = next(s for s in tape.steps if s.op == "linear").input_values[0]
    np.testing.assert_allclose(last.value, (x[:, :1] * (y_hat.data - y) / len(y)).sum(), rtol=1e-12)
    first = str(tape.explain(model.layers[0].kernel, (0, 0)))
    assert "ReLU′ = 1[z>0]" in first and "∂z/∂w = x" in first and "NOT equal" not in first


def unfused_bce_tape():
    """A 2-2-1 network under PyTorch's un-fused BCELoss: its tape names 1 − ŷ, −y and y − 1 (compound names)."""
    model = experiment.build_model(experiment.COURSE.replace(hidden_layers=(2,)))
    X = np.array([[0.5, -1.0], [1.5, 0.25], [-0.5, 0.75]])
    y = np.array([[1.0], [0.0], [1.0]])
    y_hat = model(Tensor(X, name="X"))
    with trace_backward() as tape:
        nn.BCELoss()(y_hat, Tensor(y)).backward()
    return model, tape


def test_a_compound_name_is_bracketed_before_its_index_and_after_the_derivative_sign():
    """The explanations printed ∂E/∂1−ŷ[1,0] (read: ∂E/∂1, minus ŷ[1,0]) and multiplied by y−1 unbracketed."""
    model, tape = unfused_bce_tape()
    one_minus = next(step.output for step in tape.steps if step.op == "sub")
    assert tape.symbol(one_minus) == "1−ŷ"  # the name itself stays plain (the page's labels, errors)
    text = str(tape.explain(one_minus, (1, 0)))
    assert text.startswith("Why is ∂E/∂(1−ŷ)[1,0] = ")
    assert "1. ∂E/∂E = 1" in text and "∂E/∂(1−ŷ)[1,0] = ∂E/∂clip[1,0] · 1[lo ≤ (1−ŷ)[1,0] ≤ hi]" in text
    assert "· (y−1)" in text
    view = "\n".join(str(scalar) for scalar in tape.scalar_view())
    assert "∂E/∂(1−ŷ)[1,0] += " in view
    explained = "\n".join(str(tape.explain(model.layers[-1].kernel, (k, 0))) for k in range(2))
    for printed in (text, view, explained):
        assert "∂E/∂1−" not in printed and "∂E/∂−" not in printed and "∂E/∂y−" not in printed
        # simple names are left alone: no (ŷ), (W²), (a¹), (z²)
        assert not any(f"({name})" in printed for name in ("ŷ", "W²", "a¹", "z²", "E", "l"))
    assert "∂E/∂W²[0,0] = Σ_n a¹[n,0] · ∂E/∂z²[n,0]" in explained
    assert "∂E/∂ŷ[0,0] · ŷ[0,0](1−ŷ[0,0])" in explained  # the sigmoid's σ′ = ŷ(1−ŷ), as before


def test_a_users_compound_leaf_name_is_bracketed_too():
    shifted = Tensor([1.0, 2.0], requires_grad=True, name="x + 1")
    scale = Tensor([3.0, 4.0], requires_grad=True, name="w")
    with trace_backward() as tape:
        (shifted * scale).sum().backward()
    text = str(tape.explain(shifted, 1))
    assert text.startswith("Why is ∂E/∂(x + 1)[1] = 4?")
    assert "∂E/∂mul[…] · w" in text
    assert "∂E/∂w[0] = ∂E/∂mul[…] · (x + 1)" in str(tape.explain(scale, 0))
    targets = {scalar.target for scalar in tape.scalar_view()}
    assert {"(x + 1)[0]", "(x + 1)[1]", "w[0]", "w[1]"} <= targets


@pytest.mark.parametrize(
    "name, read",
    [
        ("1−ŷ", "(1−ŷ)"),
        ("y−1", "(y−1)"),
        ("−y", "(−y)"),
        ("dense_1/kernel", "(dense_1/kernel)"),
        ("x + 1", "(x + 1)"),
        ("a¹", "a¹"),
        ("W²", "W²"),
        ("ŷ", "ŷ"),
        ("leaf_3", "leaf_3"),
        ("(1−ŷ)", "(1−ŷ)"),
        ("(1−ŷ)[1,0]", "(1−ŷ)[1,0]"),
        ("ŷ[0,0]", "ŷ[0,0]"),
        ("(1−a)(1−b)", "(1−a)(1−b)"),
        ("(1−a)−b", "((1−a)−b)"),
    ],
)
def test_bracketed_wraps_expressions_only(name, read):
    from tinygrad_moons.explain import bracketed

    assert bracketed(name) == read


def meeting_index(link) -> tuple[int, ...]:
    """The element index of a link's quantity, e.g. (4, 0) from "∂E/∂ŷ[4,0]"."""
    return tuple(int(k) for k in link.quantity.rsplit("[", 1)[1].rstrip("]").split(","))


def test_scalar_view_of_a_2_2_1_network_reads_every_number():
    model = experiment.build_model(experiment.COURSE.replace(hidden_layers=(2,)))
    X = np.array([[0.5, -1.0], [1.5, 0.25], [-0.5, 0.75]])
    y = np.array([[1.0], [0.0], [1.0]])
    loss = nn.BinaryCrossentropy()(Tensor(y, name="y"), model(Tensor(X, name="X")))
    with trace_backward() as tape:
        loss.backward()
    view = tape.scalar_view()
    # One number per element of every gradient sent: mean 3, bce 3, linear (3x2 + 2 + 1), relu 6, linear (4 + 2).
    assert len(view) == 3 + 3 + (6 + 2 + 1) + 6 + (4 + 2)
    for scalar in view:
        np.testing.assert_allclose(sum(t.product for t in scalar.terms), scalar.value, rtol=1e-12, atol=1e-300)
    last = {s.target: s.total for s in view}
    for layer, number in zip(model.layers, "¹²"):
        for symbol, parameter in (("W", layer.kernel), ("b", layer.bias)):
            for index in np.ndindex(*parameter.shape):
                key = f"{symbol}{number}[{','.join(map(str, index))}]"
                assert last[key] == parameter.grad.data[index]
    assert "relu" in "\n".join(map(str, view))
    with pytest.raises(ValueError, match="max_elements"):
        tape.scalar_view(max_elements=5)


def test_the_walkthrough_example_runs_and_matches_the_seeds_formula(capsys):
    runpy.run_path(str(Path(__file__).parent.parent / "examples" / "backprop_walkthrough.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert out.count("equal to .grad") == 2 and "NOT equal" not in out
    numbers = next(line for line in out.splitlines() if line.startswith("-0.00"))  # the by-hand check's line
    by_hand, explained, grad = (float(v) for v in numbers.split())
    assert explained == grad
    assert abs(by_hand - grad) <= 1e-15
