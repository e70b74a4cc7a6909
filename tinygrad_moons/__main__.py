"""``python -m tinygrad_moons``: the same program as the ``tinygrad-moons`` command."""

from tinygrad_moons.cli import run_program

run_program()
