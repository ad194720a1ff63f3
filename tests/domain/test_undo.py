"""Undo and redo of whole jobs, through the engine (in-memory API: the engine's own
tests run the same plans against the sandbox)."""

from __future__ import annotations

from sdx_desktop.domain.operations import Change, Plan, SetTag, apply, preview
from sdx_desktop.domain.plans import plan_set_on_many
from sdx_desktop.domain.undo import UndoHistory

from .fake_api import FakeApi


def _run(api: FakeApi, plan: Plan | None, force: bool = False):  # type: ignore[no-untyped-def]
    assert plan is not None
    seen = preview(api, plan)
    return apply(api, seen, force=[r.index for r in seen.conflicts] if force else [])


def test_undo_then_redo_a_bulk_job() -> None:
    api = FakeApi()
    ids = [api.add_interaction(i) for i in range(1, 6)]
    api.put(1, "tier", "GOLD")
    history = UndoHistory()
    history.record(_run(api, plan_set_on_many(ids, "tier", "SILVER", 1)))
    assert history.undo_text() == "Undo set tier=SILVER on 5 interactions"
    assert all(api.live(i) == {"tier": "SILVER"} for i in ids)

    history.undone(_run(api, history.undo_plan()))
    assert api.live(1) == {"tier": "GOLD"} and all(api.live(i) == {} for i in ids[1:])
    assert not history.can_undo and history.can_redo
    assert history.redo_text() == "Redo set tier=SILVER on 5 interactions"

    history.redone(_run(api, history.redo_plan()))
    assert all(api.live(i) == {"tier": "SILVER"} for i in ids)
    assert history.can_undo and not history.can_redo
    assert history.undo_text() == "Undo set tier=SILVER on 5 interactions"


def test_a_new_write_clears_redo() -> None:
    api = FakeApi()
    api.add_interaction(1)
    history = UndoHistory()
    history.record(_run(api, Plan((SetTag(1, "a", "1"),), "add", "Added a=1 on #1")))
    history.undone(_run(api, history.undo_plan()))
    assert history.can_redo
    history.record(_run(api, Plan((SetTag(1, "b", "2"),), "add", "Added b=2 on #1")))
    assert not history.can_redo


def test_undo_asks_instead_of_overwriting_a_later_change() -> None:
    api = FakeApi()
    api.add_interaction(1)
    history = UndoHistory()
    history.record(_run(api, Plan((SetTag(1, "tier", "GOLD"),), "add", "Added tier")))
    api.put(1, "tier", "THEIRS")  # someone else, after us
    seen = preview(api, history.undo_plan())  # type: ignore[arg-type]
    assert [r.change for r in seen.rows] == [Change.CONFLICT]
    history.undone(apply(api, seen))  # not forced: theirs stays
    assert api.live(1) == {"tier": "THEIRS"}
    assert not history.can_redo  # nothing was undone, so nothing to redo


def test_a_job_that_changed_nothing_is_not_an_undo_step() -> None:
    api = FakeApi()
    api.add_interaction(1)
    api.put(1, "tier", "GOLD")
    history = UndoHistory()
    history.record(_run(api, Plan((SetTag(1, "tier", "GOLD"),), "edit", "Saved tier")))
    assert not history.can_undo
