"""Built-in tasks: importing this package registers them (one module per task).

Every module of this package is imported, so adding a task is adding a module here (with a
``@register_task`` class); nothing else lists the task modules. Modules whose names start with
``_`` and the shared helpers (``common``, ``generative``, ``vision``) register nothing themselves.
"""

from __future__ import annotations

import importlib
import pkgutil


def _import_all() -> None:
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{__name__}.{mod.name}")


_import_all()
