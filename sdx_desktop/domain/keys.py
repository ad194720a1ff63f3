"""The tag key rule, as the rules in ``domain/`` (and the edit dialog, bulk actions and
imports through them) use it.

The rule is a fact of the API, so it lives in :mod:`sdx_desktop.api.keys`; this module
re-exports it, so that nothing above ``domain/`` needs to reach into ``api/`` for it.
"""

from __future__ import annotations

from sdx_desktop.api.keys import KeyRuleError, check_key, is_valid_key, key_problem

__all__ = ["KeyRuleError", "check_key", "is_valid_key", "key_problem"]
