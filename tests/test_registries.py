"""Each concept's names live in one registry, owned by its module; the CLI and viz read them from there."""

import numpy as np
import pytest

from tinygrad_moons import cli, data, experiment, ops, optim
from tinygrad_moons import functional as F
from tinygrad_moons.nn import initializers, losses, metrics


@pytest.mark.parametrize(
    "names, get",
    [
        (optim.names, optim.get),
        (initializers.names, initializers.get),
        (losses.names, losses.get),
        (metrics.names, metrics.get),
        (F.activation_names, F.get_activation),
        (experiment.recipe_names, experiment.get_recipe),
        (optim.lr_scheduler.names, optim.lr_scheduler.get),
    ],
)
def test_every_registered_name_resolves_and_an_unknown_one_lists_them(names, get):
    assert names() and all(get(name) is not None for name in names())
    with pytest.raises(ValueError, match=names()[0]):
        get("no_such_name")


def test_every_data_set_name_loads():
    for name in data.names():
        X, y = data.load_dataset(name, n_samples=20, random_state=0)
        assert X.shape == (20, 2) and set(np.unique(y)) <= {0, 1, 2}


def _choices(parser, command: str, option: str) -> list[str]:
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return list(next(a for a in sub._actions if option in a.option_strings).choices)


def test_the_cli_offers_exactly_the_registered_names():
    parser = cli.build_parser()
    assert _choices(parser, "train", "--optimizer") == optim.names()
    # each initializer once: "course_normal" is accepted as another name of "normal" but not listed
    listed = [name for name in initializers.names() if name not in cli.INIT_ALIASES]
    assert _choices(parser, "train", "--init") == listed
    assert _choices(parser, "train", "--activation") == F.activation_names()
    assert _choices(parser, "train", "--dataset") == data.names()
    assert _choices(parser, "train", "--recipe") == experiment.recipe_names()
    assert _choices(parser, "train", "--schedule") == list(experiment.LR_SCHEDULES)


def test_every_op_has_a_kind_from_the_known_ones():
    known = {"arithmetic", "elementwise", "activation", "matmul", "reduction", "shape", "loss"}
    assert {op.kind for op in ops.REGISTRY.values()} == known
