"""tinygrad_moons.sweep and `tinygrad-moons sweep`: many seeds per setting through joblib, with tiny caps."""

import json

import pytest

from tinygrad_moons import experiment
from tinygrad_moons.cli import main
from tinygrad_moons.sweep import SETTINGS, format_summary, plot_sweep, run_one, run_sweep, summarize


@pytest.fixture(scope="module")
def runs():
    """The course's full-batch setting capped at 6 epochs (it needs thousands) and the default, 2 seeds each."""
    return run_sweep(("course", "default"), seeds=[1, 2], max_epochs=6, backend="sequential")


def test_one_run_per_setting_and_seed_with_the_recipes_cap(runs):
    assert [(run.setting, run.seed) for run in runs] == [("course", 1), ("course", 2), ("default", 1), ("default", 2)]
    assert all(run.max_epochs == 6 for run in runs)
    course_runs = [run for run in runs if run.setting == "course"]
    assert all(not run.reached and run.updates_to_perfect is None and run.epochs == 6 for run in course_runs)
    assert all(run.updates_per_epoch == 1 for run in course_runs)  # full batch: one update per epoch


def test_a_run_stops_at_its_first_perfect_epoch_and_counts_its_updates(runs):
    for run in (run for run in runs if run.setting == "default"):
        assert run.reached, "the default reaches 100% test accuracy on these moons in 4 epochs"
        assert run.epochs == run.epochs_to_perfect <= 6
        assert run.updates_per_epoch == 25  # 800 training points in batches of 32
        assert run.updates_to_perfect == 25 * run.epochs_to_perfect
        assert 0 < run.seconds_to_perfect <= run.seconds


def test_a_run_is_the_experiments_training_with_that_seed():
    run = run_one("default", 3)
    result = experiment.train(experiment.DEFAULT.replace(seed=3), stop_at_perfect=True)
    assert run.updates_to_perfect == result.updates_to_perfect is not None
    capped = run_one("default", 3, max_epochs=run.epochs_to_perfect - 1)  # stops short, same recipe
    assert capped.epochs == capped.max_epochs == run.epochs_to_perfect - 1 and not capped.reached


@pytest.mark.slow  # starts worker processes: ~5-8 s
def test_processes_give_the_same_counts_as_one_process(runs):
    in_processes = run_sweep(("course", "default"), seeds=[1, 2], max_epochs=6, n_jobs=2, backend="loky")
    assert [run.updates_to_perfect for run in in_processes] == [run.updates_to_perfect for run in runs]


def test_summary_and_table_count_the_runs_that_never_got_there(runs):
    rows = {row["setting"]: row for row in summarize(runs)}
    assert rows["course"]["reached"] == 0 and rows["course"]["never"] == 2
    default_updates = sorted(run.updates_to_perfect for run in runs if run.setting == "default")
    assert rows["default"]["updates_min"] == default_updates[0]
    assert rows["default"]["updates_max"] == default_updates[-1]
    assert rows["default"]["updates_median"] == sum(default_updates) / 2
    table = format_summary(runs)
    assert "0/2 (2 not in 6 epochs)" in table
    assert table.splitlines()[0].split()[:2] == ["setting", "reached"]


def test_the_old_setting_name_runs_the_course_and_one_epoch_is_singular():
    old = run_one("seed", 1, max_epochs=1)
    assert old.setting == "course" and old.epochs == 1 and old.updates_per_epoch == 1
    assert "0/1 (1 not in 1 epoch)" in format_summary([old])


def test_figure_is_written_even_for_a_setting_without_a_perfect_run(runs, tmp_path):
    path = tmp_path / "sweep.png"
    plot_sweep(runs, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "kwargs, message",
    [({"settings": ["keras"]}, "unknown setting 'keras'"), ({"seeds": 0}, "seeds must be at least 1"),
     ({"seeds": []}, "seeds is empty"), ({"max_epochs": 0}, "max_epochs must be at least 1")],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run_sweep(**{"settings": SETTINGS, **kwargs})


def test_command_line_prints_the_table_and_writes_json_and_png(tmp_path, capsys):
    argv = ["sweep", "--settings", "default", "--seeds", "2", "--max-epochs", "12", "--backend", "sequential",
            "--quiet", "--out", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "default" in out and "2/2" in out
    saved = json.loads((tmp_path / "sweep.json").read_text())
    assert saved["seeds"] == 2 and len(saved["runs"]) == 2 and saved["summary"][0]["reached"] == 2
    assert (tmp_path / "sweep.png").exists()


def test_command_line_refuses_an_unknown_backend(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["sweep", "--settings", "default", "--seeds", "1", "--backend", "nope", "--quiet", "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "nope" in capsys.readouterr().err


def test_command_line_keeps_the_scheduler_for_dask(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["sweep", "--scheduler", "tcp://127.0.0.1:8786", "--quiet", "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "--scheduler is for --backend dask" in capsys.readouterr().err
