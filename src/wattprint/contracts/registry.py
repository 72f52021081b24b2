"""A named registry: names and aliases, one normalisation, public lookup and iteration, entry points.

One :class:`Registry` holds the tasks (``wattprint.workloads.base.TASKS``), one the meters
(``wattprint.energy.registry.METERS``). Nothing outside this
module reads its internals: a layer registers with :meth:`Registry.register`, looks up with
:meth:`Registry.get` (the object itself, a class is never instantiated to learn its type), lists
with :meth:`Registry.names` or iterates.

Filling is lazy: ``loaders`` (callables, e.g. one that imports the built-in task modules) and the
entry points of ``entry_point_group`` (third-party packages: ``[project.entry-points."wattprint.tasks"]``
naming a module to import or an object to register) run once, on the first listing or the first
lookup of a name not registered yet.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

from wattprint.errors import WattprintError

__all__ = ["Registry", "normalize_name"]

T = TypeVar("T")


def normalize_name(name: str) -> str:
    """The lookup key of a name: stripped, lower case, ``_`` and spaces read as ``-``.

    ``Text_Classification`` and ``text classification`` both find ``text-classification``.
    """
    return "-".join(name.strip().lower().replace("_", " ").split())


class Registry(Generic[T]):
    """Objects (task classes, meter openers...) by canonical name and aliases.

    ``kind`` names what is registered in error messages (``task``, ``meter``); ``hint`` is the
    hint of an unknown-name error when no close match exists (``see: wattprint tasks``).
    """

    def __init__(
        self,
        kind: str,
        *,
        hint: str = "",
        loaders: Iterable[Callable[[], object]] = (),
        entry_point_group: str | None = None,
    ) -> None:
        self.kind = kind
        self.hint = hint
        self.entry_point_group = entry_point_group
        self._loaders: list[Callable[[], object]] = list(loaders)
        self._loaded = False
        self._loading = False
        self._canonical: dict[str, str] = {}  # normalised name or alias -> canonical name
        self._objects: dict[str, T] = {}  # canonical name -> object

    # -- filling ----------------------------------------------------------------------------------

    def register(self, name: str, obj: T, aliases: Iterable[str] = ()) -> T:
        """Register ``obj`` under ``name`` and ``aliases``; a name taken by another object is an error."""
        canonical = name.strip()
        if not canonical:
            raise ValueError(f"a {self.kind} needs a name")
        held = self._objects.get(canonical)
        if held is not None and held is not obj:
            raise ValueError(f"{self.kind} name {canonical!r} registered twice")
        keys = {normalize_name(k) for k in (canonical, *aliases)}
        for key in keys:
            owner = self._canonical.get(key)
            if owner is not None and owner != canonical:
                raise ValueError(f"{self.kind} name {key!r} registered twice ({owner!r} and {canonical!r})")
        self._objects[canonical] = obj
        for key in keys:
            self._canonical[key] = canonical
        return obj

    def _ensure(self) -> None:
        if self._loaded or self._loading:
            return
        self._loading = True
        try:
            for loader in list(self._loaders):
                loader()
            if self.entry_point_group:
                self._load_entry_points(self.entry_point_group)
            self._loaded = True
        finally:
            self._loading = False

    def _load_entry_points(self, group: str) -> None:
        from importlib.metadata import entry_points

        for ep in entry_points(group=group):
            try:
                target = ep.load()  # importing the module registers what it defines
            except Exception as exc:  # noqa: BLE001 - a broken plugin is named, never a traceback
                raise WattprintError(
                    f"cannot load {self.kind} plugin {ep.name!r} ({ep.value}): {type(exc).__name__}: {exc}",
                    f"fix or uninstall the package that declares the {group!r} entry point",
                ) from None
            name = getattr(target, "name", None)
            if isinstance(name, str) and name and normalize_name(name) not in self._canonical:
                self.register(name, target, getattr(target, "aliases", ()))

    # -- lookup -----------------------------------------------------------------------------------

    def names(self) -> list[str]:
        """Canonical names, sorted."""
        self._ensure()
        return sorted(self._objects)

    def keys(self) -> list[str]:
        """Every accepted key (canonical names and aliases, normalised), sorted."""
        self._ensure()
        return sorted(self._canonical)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.canonical_or_none(name) is not None

    def items(self) -> list[tuple[str, T]]:
        """(canonical name, object) pairs, sorted by name."""
        return [(n, self._objects[n]) for n in self.names()]

    def canonical_or_none(self, name: str) -> str | None:
        """The canonical name of ``name`` (any alias, case, ``_`` or ``-``), or None when unknown.

        A name already registered is found without running the loaders or reading entry points
        (opening a built-in meter costs no scan of the installed packages)."""
        key = normalize_name(name)
        if key not in self._canonical:
            self._ensure()
        return self._canonical.get(key)

    def close_matches(self, name: str, n: int = 3, cutoff: float = 0.5) -> list[str]:
        """Known keys that look like ``name`` (for "did you mean" hints)."""
        self._ensure()
        return difflib.get_close_matches(normalize_name(name), list(self._canonical), n=n, cutoff=cutoff)

    def canonical(self, name: str) -> str:
        """The canonical name of ``name``; unknown names raise :class:`WattprintError` with close matches."""
        found = self.canonical_or_none(name)
        if found is None:
            close = self.close_matches(name)
            hint = f"did you mean {', '.join(close)}?" if close else self.hint
            raise WattprintError(f"unknown {self.kind} {name!r}", hint)
        return found

    def get(self, name: str) -> T:
        """The object registered under ``name`` or one of its aliases (never instantiated here)."""
        return self._objects[self.canonical(name)]
