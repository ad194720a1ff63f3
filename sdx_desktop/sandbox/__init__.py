"""A strict local Survey Dynamix-compatible REST server (Flask + SQLite).

Used for demos, tests and benchmarks. It imports nothing from the rest of
``sdx_desktop``; its only contract with the client is ``sdx-api.md``.
Start one with :meth:`SandboxServer.start` or ``python -m sdx_desktop.sandbox``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# Fixed demo credentials: not secrets, they only open the local sandbox.
DEMO_CUSTOMER_UUID = "6f1c2a9e-3b7d-4e2a-9c51-0d8e4f7a2b10"
DEMO_AUTH_TOKEN = "demo-auth-token-4821"
DEMO_ACCESS_TOKEN = "demo-personal-access-token-7305"

__all__ = [
    "DEMO_ACCESS_TOKEN",
    "DEMO_AUTH_TOKEN",
    "DEMO_CUSTOMER_UUID",
    "Faults",
    "Quirks",
    "SandboxServer",
    "Store",
]

if TYPE_CHECKING:
    from .faults import Faults, Quirks
    from .server import SandboxServer
    from .store import Store

_LAZY = {
    "Faults": ".faults",
    "Quirks": ".faults",
    "SandboxServer": ".server",
    "Store": ".store",
}


def __getattr__(name: str) -> Any:
    # Lazy, so reading the demo credentials does not import Flask.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
