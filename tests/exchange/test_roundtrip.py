"""Export from the sandbox, read back, import through the engine — over real HTTP."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.errors import CancelledError
from sdx_desktop.domain.history import JournalRecorder
from sdx_desktop.domain.operations import Change, apply, preview
from sdx_desktop.exchange import (
    ExchangeError,
    WriteError,
    export_from_server,
    import_counts,
    plan_import,
    read_interactions,
    read_table,
    result_rows,
    write_results,
    write_tags,
)
from sdx_desktop.journal import Journal, Outcome, Where
from sdx_desktop.sandbox import SandboxServer

from ..helpers import make_client
from .files import excel_csv, openpyxl_book, unicode_text

SURVEY = 101


def live(client: SdxClient, survey_id: int = SURVEY) -> dict[tuple[int, str], str]:
    return {
        (t.interaction_id, t.custom_key): t.custom_value
        for page in client.iter_tag_pages(survey_id=survey_id)
        for t in page
    }


@pytest.mark.parametrize("layout", ["long", "wide"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_unchanged_finds_no_change(
    client: SdxClient, tmp_path: Path, layout: str, fmt: str
) -> None:
    path = tmp_path / f"survey.{fmt}"
    summary = export_from_server(client, path, survey_id=SURVEY, layout=layout)  # type: ignore[arg-type]
    tags = live(client)
    assert summary.tags == len(tags) and summary.format == fmt
    interactions = read_interactions(client, SURVEY)
    if layout == "wide":  # every interaction of the survey, tagged or not
        assert summary.rows == len(interactions)
    table = read_table(path)
    plan = plan_import(table, SURVEY, interactions)
    assert plan.layout == layout and plan.problems == ()
    # A tag with an empty value is in the file as an empty cell: left as it is.
    filled = sum(1 for v in tags.values() if v)
    assert len(plan.plan) == filled < len(tags)
    checked = preview(client, plan.plan)
    assert checked.writes == 0
    assert set(checked.counts) == {Change.UNCHANGED}
    assert import_counts(plan, checked).as_dict() == {
        "created": 0, "overwritten": 0, "unchanged": filled, "invalid": 0,
        "unknown_interaction": 0, "conflicting_rows": 0, "failed": 0,
    }  # fmt: skip


def test_one_interaction_export(client: SdxClient, tmp_path: Path) -> None:
    first = next(iter(read_interactions(client, SURVEY).values()))
    summary = export_from_server(
        client, tmp_path / "one.csv", survey_id=SURVEY, interaction_id=first.id
    )
    table = read_table(summary.path)
    assert {r[0] for r in table.rows} <= {str(first.id)}
    assert all(r[1] == first.external_ref for r in table.rows)
    with pytest.raises(ExchangeError, match="not to survey 102"):
        export_from_server(client, tmp_path / "x.csv", survey_id=102, interaction_id=first.id)


@pytest.mark.parametrize("shape", ["excel_csv", "unicode_text", "xlsx"])
def test_import_real_world_files_through_the_engine_journaled(
    fresh_sandbox: SandboxServer, tmp_path: Path, shape: str
) -> None:
    with make_client(fresh_sandbox) as client:
        interactions = sorted(read_interactions(client, SURVEY))
        a, b, c = interactions[:3]
        before = live(client)
        existing_key = next(k for (i, k) in before if i == a)
        rows = [
            ["Interaction ID", "Key", "Value"],
            [a, existing_key, "changed → ✓"],  # overwrite
            [b, "import_new", "+1+2"],  # create (text, never a formula)
            [c, "import_new", 'multi\nline "q"'],  # create
            [c, existing_key if (c, existing_key) in before else "other", ""],  # left alone
            [a, "bad-key", "x"],  # invalid
            [99_999_999, "k", "v"],  # unknown interaction
        ]
        path = {
            "excel_csv": lambda: excel_csv(tmp_path / "in.csv", rows),
            "unicode_text": lambda: unicode_text(tmp_path / "in.txt", rows),
            "xlsx": lambda: openpyxl_book(tmp_path / "in.xlsx", {"Tags": rows}),
        }[shape]()
        plan = plan_import(read_table(path), SURVEY, interactions)
        checked = preview(client, plan.plan)
        assert [r.change for r in checked.rows] == [Change.OVERWRITE, Change.CREATE, Change.CREATE]
        where = Where("test-account", client.base_url)
        with Journal(tmp_path / "journal.sqlite3") as journal:
            report = apply(client, checked, journal=JournalRecorder(journal, where))
            entries = journal.history(where)
        assert [e.outcome for e in entries] == [Outcome.DONE] * 3
        counts = import_counts(plan, checked, report)
        assert counts.as_dict() == {
            "created": 2, "overwritten": 1, "unchanged": 0, "invalid": 1,
            "unknown_interaction": 1, "conflicting_rows": 0, "failed": 0,
        }  # fmt: skip
        after = live(client)
        assert after[(a, existing_key)] == "changed → ✓"
        assert after[(b, "import_new")] == "+1+2"
        assert after[(c, "import_new")] == 'multi\nline "q"'
        # Never deletes: every tag that was there is still there.
        assert set(before) <= set(after)
        results = write_results(tmp_path / "results.csv", plan, checked, report)
        lines = read_table(results).rows
        assert [line[6] for line in lines] == [
            "overwritten", "created", "created", "invalid key", "unknown interaction",
        ]  # fmt: skip
        assert result_rows(plan, checked, report)[0][4] == before[(a, existing_key)]


def test_cancel_and_failures_leave_no_file(client: SdxClient, tmp_path: Path) -> None:
    target = tmp_path / "keep.csv"
    target.write_text("the old file\n")
    cancel = threading.Event()
    seen: list[int] = []

    def progress(count: int) -> None:
        seen.append(count)
        cancel.set()

    with pytest.raises(CancelledError):
        export_from_server(client, target, survey_id=SURVEY, progress=progress, cancel=cancel)
    assert seen == [1000]
    assert target.read_text() == "the old file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv"]
    with pytest.raises(WriteError, match="could not be created"):
        write_tags([], tmp_path / "no-such-folder" / "x.csv")

    def broken() -> object:
        yield from live_tags(client)
        raise RuntimeError("the network went away")

    with pytest.raises(RuntimeError):
        write_tags(broken(), tmp_path / "half.xlsx", fmt="xlsx")  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv"]


def live_tags(client: SdxClient) -> list[object]:
    return [t for page in client.iter_tag_pages(survey_id=SURVEY) for t in page][:5]
