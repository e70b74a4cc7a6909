"""Hypothesis strategies for property-testing ops, ours and yours.

A finite-difference check is only meaningful where the function is smooth
around the point it is checked at. These strategies draw shapes, arrays and
tensors, and they draw *values* that keep away from the places where a
derivative does not exist or a finite difference lies:

* :func:`positive_floats` for ``log``, ``sqrt`` and the base of ``pow``
  (well away from 0, where the derivative blows up);
* :func:`nonzero_floats` for the kinks of ``relu``, ``abs`` and
  ``leaky_relu`` at 0, and for denominators;
* :func:`floats_away_from` for kinks anywhere else (``clip``'s bounds);
* :func:`spaced_floats` (with ``unique=True``) for ``max`` and ``maximum``,
  whose derivative jumps where two values tie;
* :func:`bounded_floats` for everything smooth, ``exp`` included (a small
  bound keeps ``e**x`` moderate, so rounding does not swamp the difference).

Example, a property test of your own op::

    from hypothesis import given
    from tinygrad_moons import gradcheck
    from tinygrad_moons.testing import arrays, positive_floats, shapes

    @given(arrays(shapes(), elements=positive_floats()))
    def test_my_log_gradient(x):
        assert gradcheck(lambda t: MyLog.apply(t), [x])

This module imports Hypothesis, so it is loaded only when you import it:
``import tinygrad_moons`` does not.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_moons.tensor import Tensor

Shape = tuple[int, ...]

__all__ = [
    "arrays",
    "bounded_floats",
    "broadcastable_shapes",
    "floats_away_from",
    "nonzero_floats",
    "positive_floats",
    "reduction_axes",
    "shapes",
    "spaced_floats",
    "tensors",
]


# ------------------------------------------------------------------- shapes
def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy[Shape]:
    """Array shapes, 0-d ``()`` included when ``min_dims=0``.

    Small sides keep finite-difference checks fast (one forward pass per
    element) while still covering size-1 axes.

    >>> from tinygrad_moons.testing import shapes
    >>> shapes(max_dims=2).example()  # doctest: +SKIP
    (3, 1)
    """
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(
    n: int = 2, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[Shape, ...]]:
    """``n`` shapes that NumPy can broadcast together, as a tuple.

    The shapes may differ in rank and use size-1 axes, e.g. ``((3, 1), (2, 1, 4))``,
    which is what exercises the reduction of broadcast gradients.

    >>> from tinygrad_moons.testing import broadcastable_shapes
    >>> broadcastable_shapes(3).example()  # doctest: +SKIP
    ((2, 1), (4, 2, 3), (3,))
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda drawn: tuple(drawn.input_shapes))


def reduction_axes(ndim: int) -> st.SearchStrategy[int | tuple[int, ...] | None]:
    """An ``axis`` argument for a reduction over an array of ``ndim`` dimensions.

    ``None`` (all axes), one axis as an int (negative ones included) or a
    tuple of distinct axes (possibly empty, which NumPy reads as "no axis").

    >>> from tinygrad_moons.testing import reduction_axes
    >>> reduction_axes(3).example()  # doctest: +SKIP
    (0, -1)
    """
    if ndim == 0:
        return st.sampled_from([None, 0, -1])
    single = st.integers(min_value=-ndim, max_value=ndim - 1)
    several = st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).map(tuple)
    return st.one_of(st.none(), single, several)


# ------------------------------------------------------------ element values
def bounded_floats(limit: float = 3.0) -> st.SearchStrategy[float]:
    """Finite floats in ``[-limit, limit]``, no NaN, no infinity, no subnormals.

    For ``exp`` (and ``sigmoid``/``tanh``) keep ``limit`` small, e.g. 5:
    the values stay moderate, so rounding in a finite difference stays small.

    >>> from tinygrad_moons.testing import bounded_floats
    >>> bounded_floats(5.0).example()  # doctest: +SKIP
    -4.25
    """
    return st.floats(min_value=-limit, max_value=limit, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def positive_floats(min_value: float = 0.25, max_value: float = 3.0) -> st.SearchStrategy[float]:
    """Floats in ``[min_value, max_value]``, kept away from 0.

    For ``log``, ``sqrt`` and the base of ``pow``: their derivatives grow
    without bound near 0, and a finite difference there steps out of the domain.

    >>> from tinygrad_moons.testing import positive_floats
    >>> positive_floats().example()  # doctest: +SKIP
    1.5
    """
    if min_value <= 0:
        raise ValueError(f"positive_floats: min_value must be > 0, got {min_value}")
    return st.floats(min_value=min_value, max_value=max_value, allow_nan=False, allow_infinity=False)


def nonzero_floats(min_magnitude: float = 0.25, max_magnitude: float = 3.0) -> st.SearchStrategy[float]:
    """Floats with ``min_magnitude <= |x| <= max_magnitude``, of either sign.

    For the kinks of ``relu``, ``abs`` and ``leaky_relu`` at 0 (a finite
    difference across a kink averages the two slopes) and for denominators.

    >>> from tinygrad_moons.testing import nonzero_floats
    >>> nonzero_floats().example()  # doctest: +SKIP
    -0.75
    """
    magnitude = positive_floats(min_magnitude, max_magnitude)
    signed = st.tuples(st.sampled_from([1.0, -1.0]), magnitude)
    return signed.map(lambda sign_and_size: sign_and_size[0] * sign_and_size[1])


def floats_away_from(*points: float, distance: float = 0.1, limit: float = 3.0) -> st.SearchStrategy[float]:
    """Floats in ``[-limit, limit]`` at least ``distance`` from each of ``points``.

    For ops with kinks at places other than 0, e.g. ``clip(lo, hi)``:
    ``floats_away_from(lo, hi)``.

    >>> from tinygrad_moons.testing import floats_away_from
    >>> floats_away_from(-1.0, 1.0, distance=0.1).example()  # doctest: +SKIP
    0.5
    """
    return bounded_floats(limit).filter(lambda x: all(abs(x - p) >= distance for p in points))


def spaced_floats(gap: float = 0.1, limit: float = 3.0, offset: float = 0.0) -> st.SearchStrategy[float]:
    """Values on the grid ``offset + k * gap`` within ``[-limit, limit]``.

    Draw an array of them with ``unique=True`` and any two of its values are
    at least ``gap`` apart: no ties for ``max`` to split, and nothing that a
    finite difference of step ``eps << gap`` could swap. Two arrays drawn with
    offsets ``0`` and ``gap / 2`` never tie with each other (for ``maximum``).
    A grid of ``2 * limit / gap`` values must be enough for the array's size.

    >>> from tinygrad_moons.testing import arrays, spaced_floats
    >>> arrays((2, 3), elements=spaced_floats(), unique=True).example()  # doctest: +SKIP
    array([[ 0.3, -1.2,  2. ], [ 0.1,  0. , -0.4]])
    """
    steps = int(np.floor(round((limit - abs(offset)) / gap, 9)))  # round: 3.0 / 0.1 is 29.999999999999996
    return st.integers(min_value=-steps, max_value=steps).map(lambda k: offset + k * gap)


# ------------------------------------------------------- arrays and tensors
@st.composite
def arrays(
    draw: st.DrawFn,
    shape: Shape | st.SearchStrategy[Shape],
    elements: st.SearchStrategy[float] | None = None,
    dtype: Any = np.float64,
    unique: bool = False,
) -> np.ndarray:
    """NumPy arrays of ``shape`` (a tuple or a strategy such as :func:`shapes`).

    ``elements`` defaults to :func:`bounded_floats`. Values are drawn in
    float64 and then converted to ``dtype``, so any element strategy works
    for float32 too. ``unique=True`` makes every element different.

    >>> from tinygrad_moons.testing import arrays, positive_floats, shapes
    >>> arrays(shapes(), elements=positive_floats()).example()  # doctest: +SKIP
    array([[0.5 , 2.25]])
    """
    if not isinstance(shape, tuple):
        shape = draw(shape)
    if elements is None:
        elements = bounded_floats()
    values = draw(hnp.arrays(np.float64, shape, elements=elements, unique=unique))
    return values.astype(dtype)


@st.composite
def tensors(
    draw: st.DrawFn,
    shape: Shape | st.SearchStrategy[Shape] | None = None,
    elements: st.SearchStrategy[float] | None = None,
    dtype: Any = np.float64,
    requires_grad: bool = True,
    unique: bool = False,
) -> Tensor:
    """Tensors built from :func:`arrays`; the shape is drawn by :func:`shapes` when not given.

    >>> from tinygrad_moons.testing import nonzero_floats, tensors
    >>> tensors(elements=nonzero_floats()).example()  # doctest: +SKIP
    tensor([ 1.5, -0.5], requires_grad=True)
    """
    values = draw(arrays(shapes() if shape is None else shape, elements=elements, dtype=dtype, unique=unique))
    return Tensor(values, requires_grad=requires_grad)
