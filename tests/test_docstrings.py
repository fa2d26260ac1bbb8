"""Every public name has a docstring (issue 21): the API reference is built from them, so a name without
one is a blank entry there and a bare ``help()``.

Public means reachable from a documented module without a leading underscore: the names in its
``__all__`` (or, without one, its names defined in chainrule), and for each class defined in chainrule
its methods, properties, class- and staticmethods that chainrule defines (dunders left out). An
overriding method may inherit its docstring, as ``inspect.getdoc`` does (a layer's ``forward``); a
class may not (``nn.ReLU`` is not described by ``Module``'s docstring). Plain data (constants,
dtypes, class attributes) carries no docstring of its own and is left out.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
import types
from pathlib import Path

# The modules of the API reference (docs/reference/), and those a user imports besides.
MODULES = (
    "chainrule", "chainrule.autograd", "chainrule.check", "chainrule.cuda", "chainrule.data",
    "chainrule.data.datasets", "chainrule.distributed", "chainrule.io", "chainrule.nn", "chainrule.nn.functional",
    "chainrule.nn.init", "chainrule.nn.utils", "chainrule.optim", "chainrule.optim.lr_scheduler",
    "chainrule.report", "chainrule.train", "chainrule.utils", "chainrule.utils.data", "chainrule.viz",
    "chainrule.viz.plots",
)  # fmt: skip

SRC = Path(__file__).resolve().parents[1] / "src"


def _ours(obj: object) -> bool:
    return (getattr(obj, "__module__", None) or "").split(".")[0] == "chainrule"


def _public(module: types.ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return [n for n in dir(module) if not n.startswith("_") and _ours(getattr(module, n))]


def _where(obj: object) -> str:
    """The file defining ``obj``, relative to src/ (or the module's name when there is no file)."""
    target = inspect.unwrap(obj.fget if isinstance(obj, property) else obj)
    try:
        path = Path(inspect.getsourcefile(target) or "")
    except TypeError:
        return getattr(obj, "__module__", "?")
    return str(path.relative_to(SRC)) if path.is_relative_to(SRC) else str(path)


def _members(cls: type) -> dict[str, object]:
    """``cls``'s public methods and properties defined in chainrule, by qualified name."""
    found = {}
    for name in dir(cls):
        if name.startswith("_"):
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or not _ours(owner):
            continue
        raw = vars(owner)[name]
        if isinstance(raw, (staticmethod, classmethod)):
            raw = raw.__func__
        if isinstance(raw, (property, functools.cached_property)) or inspect.isroutine(raw):
            found[f"{owner.__module__}.{owner.__qualname__}.{name}"] = getattr(owner, name)
    return found


def public_objects(module_names: tuple[str, ...] = MODULES) -> dict[str, object]:
    """The modules, and the public classes, functions, methods and properties they reach, by qualified name."""
    objects: dict[str, object] = {}
    for module_name in module_names:
        module = importlib.import_module(module_name)
        objects[module_name] = module
        for name in _public(module):
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                objects[obj.__name__] = obj
            elif _ours(obj) and callable(obj):
                objects[f"{obj.__module__}.{getattr(obj, '__qualname__', name)}"] = obj
                if inspect.isclass(obj):
                    objects.update(_members(obj))
    return objects


def _docstring(obj: object) -> str:
    """``obj``'s docstring; a class's own only (not its base's, nor the "Name(a, b)" of dataclass or NamedTuple)."""
    if not inspect.isclass(obj):
        return (inspect.getdoc(obj) or "").strip()
    doc = (obj.__dict__.get("__doc__") or "").strip()
    generated = doc.startswith(f"{obj.__name__}(") and doc.endswith(")") and "\n" not in doc
    return "" if generated else doc


def undocumented(module_names: tuple[str, ...] = MODULES) -> dict[str, str]:
    """Each public object without a docstring, by qualified name, mapped to the file that defines it."""
    objects = public_objects(module_names)
    return {q: _where(obj) for q, obj in sorted(objects.items()) if not _docstring(obj)}


def test_every_public_name_has_a_docstring():
    missing = undocumented()
    lines = [f"  {name}  ({where})" for name, where in missing.items()]
    assert not missing, f"{len(missing)} public names have no docstring:\n" + "\n".join(lines)


def test_the_walk_reaches_tensor_methods_properties_and_layer_methods():
    import chainrule as cr

    members = _members(cr.Tensor)
    assert {"chainrule.tensor.Tensor.backward", "chainrule.tensor.Tensor.shape"} <= members.keys()
    assert "chainrule.nn.module.Module.parameters" in _members(cr.nn.Linear)
    assert len(public_objects()) > 500  # the whole API, not a walk that stopped early


def test_the_walk_finds_a_missing_docstring(monkeypatch):
    module = types.ModuleType("chainrule._docstring_probe", "A probe.")

    class Probe:
        """Documented."""

        def undocumented_method(self):
            pass

        @property
        def undocumented_property(self):
            return 1

    class Bare(Probe):  # Probe's docstring does not describe it
        pass

    def bare():
        pass

    for obj in (Probe, Bare, bare):
        obj.__module__ = module.__name__
    module.__all__ = ["Probe", "Bare", "bare"]
    module.Probe, module.Bare, module.bare = Probe, Bare, bare
    monkeypatch.setitem(sys.modules, module.__name__, module)
    names = set(undocumented((module.__name__,)))
    probe = f"{module.__name__}.{Probe.__qualname__}"
    assert names == {f"{module.__name__}.{bare.__qualname__}", f"{module.__name__}.{Bare.__qualname__}",
                     f"{probe}.undocumented_method", f"{probe}.undocumented_property"}  # fmt: skip
