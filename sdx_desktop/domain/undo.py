"""Undo and redo for the session's writes: a whole job is one step.

The stacks hold the engine's job reports. Undoing a job applies
:func:`~sdx_desktop.domain.plans.undo_plan` of it (based on the state the job left,
so someone else's change since is a conflict to ask about, never overwritten
silently); the undo's own report goes on the redo stack, and redoing is undoing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .operations import JobReport, Plan
from .plans import undo_plan


@dataclass
class UndoHistory:
    undo_stack: list[JobReport] = field(default_factory=list)
    redo_stack: list[JobReport] = field(default_factory=list)

    def record(self, report: JobReport) -> None:
        """A new write of the user's: it can be undone; what was undone can no longer be
        redone (as in every editor)."""
        if report.done:
            self.undo_stack.append(report)
            self.redo_stack.clear()

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    @property
    def can_redo(self) -> bool:
        return bool(self.redo_stack)

    def undo_text(self) -> str:
        if not self.undo_stack:
            return "Undo"
        return f"Undo {_lower_first(_original_summary(self.undo_stack[-1].plan))}"

    def redo_text(self) -> str:
        if not self.redo_stack:
            return "Redo"
        return f"Redo {_lower_first(_original_summary(self.redo_stack[-1].plan))}"

    def undo_plan(self) -> Plan | None:
        return undo_plan(self.undo_stack[-1]) if self.undo_stack else None

    def redo_plan(self) -> Plan | None:
        if not self.redo_stack:
            return None
        plan = undo_plan(self.redo_stack[-1])
        original = _original_summary(self.redo_stack[-1].plan)
        return Plan(plan.operations, "redo", f"Redo: {original}", plan.survey_id)

    def undone(self, undo_report: JobReport) -> None:
        """The top job was undone (as far as the user chose): it moves to the redo side."""
        self.undo_stack.pop()
        if undo_report.done:
            self.redo_stack.append(undo_report)

    def redone(self, redo_report: JobReport) -> None:
        self.redo_stack.pop()
        if redo_report.done:
            self.undo_stack.append(redo_report)


def _original_summary(plan: Plan) -> str:
    return plan.summary.removeprefix("Undo: ").removeprefix("Redo: ")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
