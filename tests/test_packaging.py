"""What the package ships: one version, the licence pyproject names, and its type hints (PEP 561)."""

import re
from pathlib import Path

import tinygrad_moons
from tinygrad_moons.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_the_version_is_written_once_and_the_cli_prints_it(capsys):
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^dynamic = \["version"\]$', pyproject, re.M)
    assert not re.search(r"^version = \"", pyproject, re.M)  # no second copy in [project]
    assert 'version = { attr = "tinygrad_moons.__version__" }' in pyproject
    assert re.fullmatch(r"\d+\.\d+\.\d+", tinygrad_moons.__version__)
    try:
        main(["--version"])
    except SystemExit as stop:
        assert stop.code == 0
    assert capsys.readouterr().out.split() == ["tinygrad-moons", tinygrad_moons.__version__]


def test_the_licence_file_is_the_one_pyproject_names_and_the_package_is_typed():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "MIT"' in pyproject and 'license-files = ["LICENSE"]' in pyproject  # PEP 639
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert (ROOT / "tinygrad_moons" / "py.typed").is_file()
    assert f"## [{tinygrad_moons.__version__}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
