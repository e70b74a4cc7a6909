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
