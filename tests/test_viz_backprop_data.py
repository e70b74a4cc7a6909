"""viz.backprop's page data: a parameter the loss does not depend on is named, not an AttributeError."""

import pytest

import tinygrad_moons as tg
from tinygrad_moons.viz.backprop import page_data, trace_loss


def test_page_data_names_a_parameter_that_no_gradient_reached() -> None:
    used = tg.Tensor([1.0, 2.0], requires_grad=True, name="used")
    unused = tg.Tensor([3.0], requires_grad=True, name="unused")
    run = trace_loss((used * used).sum(), {"used": used, "unused": unused})
    with pytest.raises(ValueError, match="no gradient reached the parameter 'unused'"):
        page_data(run)


def test_page_data_checks_each_parameters_gradient_against_what_arrived() -> None:
    w = tg.Tensor([1.0, -2.0], requires_grad=True, name="w")
    data = page_data(trace_loss((w.sigmoid() * w).sum(), [("w", w)]))
    (entry,) = data["parameters"]
    assert entry["name"] == "w" and entry["equal"] and entry["grad"] == w.grad.data.tolist()


def test_page_data_brackets_compound_names_for_the_pages_formulas() -> None:
    """The page wrote ∂E/∂1−a[1,0]: its formulas put an index after (or ∂ before) each name it is given."""
    z = tg.Tensor([[-1.0], [1.0]], requires_grad=True, name="z")
    target = tg.Tensor([[0.0], [1.0]])
    data = page_data(trace_loss(tg.nn.BCELoss()(z.sigmoid(), target), [("z", z)]))
    sub = next(step for step in data["steps"] if step["op"] == "sub")
    assert sub["out"] == "(1−a)"
    assert [sent["symbol"] for sent in sub["sent"]] == ["a"]  # a simple name stays as it is
    clip_of_one_minus = next(step for step in data["steps"] if step["op"] == "clip" and step["inputs"] == ["(1−a)"])
    assert [sent["symbol"] for sent in clip_of_one_minus["sent"]] == ["(1−a)"]
    assert [p["symbol"] for p in data["parameters"]] == ["z"]
    names = {step["out"] for step in data["steps"]} | {n for step in data["steps"] for n in step["inputs"]}
    assert not any(name.startswith(("1−", "−", "y−")) for name in names)
