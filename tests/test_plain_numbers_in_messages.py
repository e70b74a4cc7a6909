"""Error messages show numbers as a user writes them: ``1.5`` and ``(4, 5)``, never NumPy 2's ``np.float64(1.5)``.

Values often arrive as NumPy scalars (a learning rate from ``np.linspace``, a shape from ``x.shape`` of an array,
sizes from ``np.array``); a message that interpolates them with ``!r`` or inside a tuple printed their repr.
"""

import numpy as np
import pytest

import tinygrad_moons as tm
from tinygrad_moons import Tensor, data, nn, optim
from tinygrad_moons.autograd import plain_numbers

f64, i64 = np.float64, np.int64


def a_tensor():
    return Tensor(np.ones((2, 3)))


def a_parameter():
    return [Tensor(np.ones(2), requires_grad=True)]


CASES = [
    (lambda: a_tensor().reshape(np.array([4, 5])), "into shape (4, 5)"),
    (lambda: a_tensor().view(i64(7), i64(-1)), "into shape (7, -1)"),
    (lambda: a_tensor().expand(i64(-1), i64(2), i64(3)), "got (-1, 2, 3)"),
    (lambda: a_tensor().expand(i64(4), i64(3)), "cannot be broadcast to (4, 3)"),
    (lambda: a_tensor().repeat(i64(-1), i64(2)), "got (-1, 2)"),
    (lambda: a_tensor().permute(i64(0), i64(0)), "dims (0, 0) are not a permutation"),
    (lambda: a_tensor().sum((i64(0), i64(0))), "axis (0, 0) repeats an axis"),
    (lambda: a_tensor()[i64(5)], "index 5 does not fit"),
    (lambda: tm.zeros(i64(2), i64(-1)), "sizes must be non-negative, got (2, -1)"),
    (lambda: optim.SGD(a_parameter(), lr=f64(-0.1)), "lr must be a non-negative number, got -0.1"),
    (lambda: optim.Adam(a_parameter(), betas=(f64(1.5), f64(0.9))), "betas must lie in [0, 1), got (1.5, 0.9)"),
    (lambda: optim.RMSprop(a_parameter(), alpha=f64(1.5)), "alpha must lie in [0, 1], got 1.5"),
    (lambda: nn.Dense(i64(0)), "units must be a positive integer, got 0"),
    (lambda: nn.Linear(i64(0), 2), "in_features must be a positive integer, got 0"),
    (lambda: nn.Dropout(f64(1.5)), "between 0 and 1, but got 1.5"),
    (lambda: nn.Input(shape=(i64(0),)), "must be a positive int, got 0"),
    (lambda: data.make_circles(100, factor=f64(1.5)), "(inner radius / outer radius), got 1.5"),
    (lambda: data.make_spirals(100, turns=f64(-1.0)), "turns must be a positive number, got -1.0"),
    (lambda: nn.callbacks.EarlyStopping(patience=f64(-1.0)), "(epochs to wait), got -1.0"),
    (lambda: nn.callbacks.EarlyStopping(min_delta=f64(np.nan)), "min_delta must be a finite number, got nan"),
]


@pytest.mark.parametrize("call, shown", CASES, ids=[shown for _, shown in CASES])
def test_numpy_scalars_read_as_plain_numbers(call, shown):
    with pytest.raises(ValueError) as error:
        call()
    assert shown in str(error.value)
    assert "np." not in str(error.value)


def test_plain_numbers_keeps_everything_else_as_it_is():
    assert plain_numbers((i64(2), [f64(0.5), "a"], None, slice(1, 2))) == (2, [0.5, "a"], None, slice(1, 2))
    assert type(plain_numbers(i64(2))) is int and type(plain_numbers(f64(0.5))) is float
    assert repr(plain_numbers(f64(1.1))) == "1.1"
