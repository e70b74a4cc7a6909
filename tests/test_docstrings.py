"""Every public function, class and method of the package has a docstring (issue 14).

What is public, decided here once:

* the **public modules**: ``tinygrad_moons`` and every module under it whose dotted name has no part starting with
  an underscore (so not ``tinygrad_moons.__main__``). Programs and their helpers (``cli``, ``playground.*``) are
  included: a learner reads them too, and the API reference shows them;
* the **public objects** of a module: the functions and classes it defines (``obj.__module__`` is the module)
  under a name that does not start with an underscore. A name a module imports is checked in the module that
  defines it; re-exporting (``tinygrad_moons.Tensor``) needs no second docstring;
* the **public methods** of a public class: the functions, static and class methods and properties in the
  class's own body whose names do not start with an underscore (dunder methods included in that rule, so
  ``__init__`` is not asked for: the class docstring documents construction).

A method that overrides a documented method of a base class (an op's ``forward``, a callback's
``on_epoch_end``) is documented by that base's docstring, as ``help()`` and ``inspect.getdoc`` show it; a class
needs its own. The docstrings that ``dataclasses`` and ``NamedTuple`` write on their own (the signature) do not
count.

The test fails naming every undocumented object, grouped by file.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections import defaultdict
from typing import Any

import tinygrad_moons

PUBLIC_MODULES = ["tinygrad_moons"] + [
    module.name
    for module in pkgutil.walk_packages(tinygrad_moons.__path__, "tinygrad_moons.")
    if not any(part.startswith("_") for part in module.name.split("."))
]


def _has_text(doc: str | None) -> bool:
    return bool(doc and doc.strip())


def _class_has_own_docstring(cls: type) -> bool:
    doc = cls.__dict__.get("__doc__")
    if not _has_text(doc):
        return False
    # dataclasses and NamedTuple write "Name(field, ...)" when the class has no docstring of its own.
    generated = doc.startswith(f"{cls.__name__}(") and doc.rstrip().endswith(")") and "\n" not in doc.strip()
    return not generated


def _member_function(member: Any) -> Any:
    """The function behind a class attribute, or None if the attribute is not a method or property."""
    if isinstance(member, (staticmethod, classmethod)):
        return member.__func__
    if isinstance(member, property):
        return member.fget
    if inspect.isfunction(member):
        return member
    return None


def _inherited_doc(cls: type, name: str) -> str | None:
    for base in cls.__mro__[1:]:
        function = _member_function(base.__dict__.get(name))
        if function is not None and _has_text(function.__doc__):
            return function.__doc__
    return None


def _public_objects(module_name: str) -> list[tuple[str, Any]]:
    module = importlib.import_module(module_name)
    return [
        (name, obj)
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and getattr(obj, "__module__", None) == module_name
    ]


def undocumented() -> dict[str, list[str]]:
    """File (relative to the package's parent) -> the qualified names in it that lack a docstring."""
    missing: dict[str, list[str]] = defaultdict(list)
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        where = module_name.replace(".", "/") + ("/__init__.py" if hasattr(module, "__path__") else ".py")
        for name, obj in _public_objects(module_name):
            if inspect.isfunction(obj):
                if not _has_text(obj.__doc__):
                    missing[where].append(name)
                continue
            if not _class_has_own_docstring(obj):
                missing[where].append(name)
            for member_name, member in vars(obj).items():
                if member_name.startswith("_"):
                    continue
                function = _member_function(member)
                if function is None:
                    continue
                if not (_has_text(function.__doc__) or _has_text(_inherited_doc(obj, member_name))):
                    kind = " (property)" if isinstance(member, property) else ""
                    missing[where].append(f"{name}.{member_name}{kind}")
    return dict(missing)


def test_the_public_module_list_is_what_the_package_holds() -> None:
    # A guard on the walk itself: the engine, nn, the tools and the programs are all in it.
    for expected in ("tinygrad_moons.tensor", "tinygrad_moons.nn.layers", "tinygrad_moons.viz.graph",
                     "tinygrad_moons.sklearn", "tinygrad_moons.testing", "tinygrad_moons.playground.session"):
        assert expected in PUBLIC_MODULES
    assert "tinygrad_moons.__main__" not in PUBLIC_MODULES


def test_the_check_sees_a_missing_docstring() -> None:
    # The rules above, on classes made here: an undocumented method is found, an override of a documented one is
    # not, a dataclass's generated docstring does not count.
    import dataclasses

    class Base:
        """A base."""

        def step(self) -> None:
            """Documented here."""

    class Child(Base):
        """A child."""

        def step(self) -> None:
            pass

        def extra(self) -> None:
            pass

    @dataclasses.dataclass
    class Plain:
        x: int = 0

    assert _has_text(_inherited_doc(Child, "step"))
    assert not _has_text(Child.__dict__["extra"].__doc__) and _inherited_doc(Child, "extra") is None
    assert not _class_has_own_docstring(Plain)
    assert _class_has_own_docstring(Child)


def test_every_public_callable_has_a_docstring() -> None:
    missing = undocumented()
    total = sum(len(names) for names in missing.values())
    report = "\n".join(f"  {path} ({len(names)}): {', '.join(names)}" for path, names in sorted(missing.items()))
    assert not missing, f"{total} public functions, classes and methods have no docstring:\n{report}"
