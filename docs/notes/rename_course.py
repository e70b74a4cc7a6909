"""Rename "seed" where it means the course project to "course" (issue 13: no name means two things).

Re-runnable after merges: it only rewrites phrases that mean the course project, never a random seed.
    python docs/notes/rename_course.py [files...]   # default: tracked .py/.md/.html/.js files but SKIP
"""

import re
import subprocess
import sys
from pathlib import Path

RULES = [
    (re.compile(r"\b([Tt])he(\s+)seed's(?! generator)"), r"\1he\2course's"),
    (re.compile(r"\b([Tt])he seed (derived|drew|saved|trained|recorded)\b"), r"\1he course project \2"),
    (re.compile(r"\b([Tt])he seed step's"), r"\1he course's step's"),
    (re.compile(r"\bseed recipe\b"), "course recipe"),
    (re.compile(r"\bseed (workload|layers|network)\b"), r"course \1"),
    (re.compile(r"\bseed_(model|cost|names)\b"), r"course_\1"),
    (re.compile(r"(?<!playground_)(?<!trace_)\bseed_network\b"), "course_network"),
    (re.compile(r"\"seed_net\""), '"course_net"'),
    (re.compile(r"_the_seed_network"), "_the_course_network"),
    (re.compile(r"_the_seeds_formulas"), "_the_courses_formulas"),
    (re.compile(r"test_seed_normal_is_the_seeds_randn"), "test_normal_is_the_courses_randn"),
    (re.compile(r"\bexperiment\.SEED_KERAS\b"), "experiment.COURSE_KERAS"),
    (re.compile(r"\bexperiment\.SEED\b"), "experiment.COURSE"),
    (re.compile(r"\bSEED_LAYER_SIZES\b"), "COURSE_LAYER_SIZES"),
    (re.compile(r"--recipe seed-keras\b"), "--recipe course-keras"),
    (re.compile(r"--recipe seed\b"), "--recipe course"),
    (re.compile(r"\bseed's randn"), "course's randn"),
]
# Files that name the old words on purpose (the aliases, their tests and their documentation).
SKIP = {
    "README.md",
    "CHANGELOG.md",
    "tinygrad_moons/reference.py",
    "tests/test_compare.py",
    "docs/notes/rename_course.py",
    "docs/notes/experiment.md",
    "docs/sklearn_and_sweeps.md",
}


def main(paths: list[str]) -> None:
    if not paths:
        listed = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout.split()
        paths = [p for p in listed if p.endswith((".py", ".md", ".html", ".js")) and p not in SKIP]
    for name in paths:
        path = Path(name)
        text = path.read_text(encoding="utf-8")
        new = text
        for pattern, replacement in RULES:
            new = pattern.sub(replacement, new)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"renamed in {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
