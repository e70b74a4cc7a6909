"""Where does "Keras takes about 175 times fewer iterations" come from?

The course project's write-up trained the same 2-25-50-50-25-1 network two
ways: by hand (full-batch gradient descent, weights randn*0.1, ~7,000
iterations to 100% test accuracy) and with Keras (~40 epochs). This script
changes one setting at a time, with this library, on one split of the moons,
and counts both epochs and parameter updates until the test accuracy first
reaches 100%:

    python examples/compare_with_course.py

Each run stops at its first 100% epoch; the full-batch runs take a few
seconds each. The library's "normal" initializer draws the course's
N(0, 0.1²) in its own order, so the first row's count differs from the course
rows of ``tinygrad-moons compare`` (which copy the hand-written network's
draws): a different draw from the same distribution. For the table of every
contender (the course's own NumPy network, scikit-learn, ...), run
``tinygrad-moons compare``.
"""

from tinygrad_moons import experiment

GLOROT_INIT = {"kernel_initializer": "glorot_uniform", "bias_initializer": "zeros"}

STEPS = [
    ("the course: full batch, randn*0.1", experiment.COURSE),
    ("only the init changed: full batch, Glorot", experiment.COURSE.replace(**GLOROT_INIT)),
    ("only the batch changed: batch 32, randn*0.1", experiment.COURSE.replace(batch_size=32, epochs=1_000)),
    ("the course's Keras: batch 32, Glorot", experiment.COURSE_KERAS.replace(epochs=1_000)),
    ("this library's default: Adam, batch 32, He", experiment.DEFAULT),
]


def main() -> None:
    """Train each step until 100% test accuracy and print epochs, updates and seconds."""
    split = experiment.make_split(experiment.COURSE)
    print(f"{'run':46} {'epochs':>7} {'updates':>8} {'seconds':>8}")
    for label, recipe in STEPS:
        result = experiment.train(recipe, split, label=label, stop_at_perfect=True)
        if result.epochs_to_perfect is None or result.updates_to_perfect is None:
            print(f"{label:46} {'never':>7} {'':>8} {result.seconds:8.2f}")
            continue
        seconds = result.seconds_to_perfect or 0.0
        print(f"{label:46} {result.epochs_to_perfect:7,} {result.updates_to_perfect:8,} {seconds:8.2f}")
    print(
        "\nAn epoch of batch 32 is 25 updates, a full-batch epoch one: most of the course's 175x is the\n"
        "unit of counting. Counted in updates, the initialisation explains most of what is left."
    )


if __name__ == "__main__":
    main()
