"""One engine for every write: **plan → preview → apply**.

* A :class:`Plan` is the user's intent as a list of operations: :class:`SetTag` (set
  key=value on an interaction: create or overwrite, the API's upsert) and
  :class:`DeleteTag`. The edit dialog, delete, bulk actions, import, undo, redo and
  revert all make plans (see :mod:`sdx_desktop.domain.plans`).
* :func:`preview` is a dry run: it reads the current server state of exactly the
  affected interactions (exact paging) and classifies every operation as a
  :class:`Change` — create, overwrite (old → new), unchanged, delete, conflict
  (changed by someone else since the user saw it), invalid, or missing. Nothing is
  written.
* :func:`apply` writes what the preview says to write (plus the conflicts the user
  chose to force) with several requests in flight, journals each operation before it
  is sent and after it is answered, reports progress, stops starting new requests on
  cancel, and returns one :class:`RowResult` per operation in plan order.

Operations on the same interaction run in plan order (a rename's delete follows its
create); different interactions run in parallel. The API's writes are idempotent, so
retrying a failed row, or re-running a whole plan, converges on the intended state.
"""

from __future__ import annotations

import enum
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Final, Protocol

from sdx_desktop.api.errors import CancelledError, NotFoundError, SdxError
from sdx_desktop.api.models import DeleteResult, Interaction, Tag

from .keys import key_problem

#: Requests in flight while applying (and reading per interaction).
CONCURRENCY = 8
#: Up to this many interactions are read one by one; more, and the whole survey is
#: read with Load all's walk (one pass instead of many small requests).
PER_INTERACTION_LIMIT = 40


class WriteApi(Protocol):
    """The part of ``SdxClient`` the engine uses."""

    def set_tag(self, interaction_id: int, key: str, value: str) -> Tag: ...
    def delete_tag(self, tag_id: int) -> DeleteResult: ...
    def iter_tag_pages(
        self,
        *,
        survey_id: int | None = None,
        interaction_id: int | None = None,
        custom_key: str | None = None,
        concurrency: int | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[list[Tag]]: ...
    def iter_interaction_pages(
        self, survey_id: int, *, cancel: threading.Event | None = None
    ) -> Iterator[list[Interaction]]: ...


class _Anything(enum.Enum):
    ANYTHING = "anything"


#: ``SetTag.based_on`` when the user did not look first (e.g. "set on all selected").
ANYTHING: Final = _Anything.ANYTHING


@dataclass(frozen=True, slots=True)
class SetTag:
    """Set ``key`` = ``value`` on an interaction (create, or overwrite the value)."""

    interaction_id: int
    key: str
    value: str
    #: The tag as the user saw it: a ``Tag``; ``None`` = they saw no such key;
    #: ``ANYTHING`` = they did not look. Decides what counts as a conflict.
    based_on: Tag | _Anything | None = ANYTHING


@dataclass(frozen=True, slots=True)
class DeleteTag:
    """Delete the tag the user saw (``tag``; an empty ``updated_at`` means only the key
    and value are compared when checking for someone else's change)."""

    tag: Tag
    #: Index of an operation of the same plan that must succeed first (a rename
    #: deletes the old key only once the new one is saved).
    after: int | None = None

    @property
    def interaction_id(self) -> int:
        return self.tag.interaction_id

    @property
    def key(self) -> str:
        return self.tag.custom_key


Operation = SetTag | DeleteTag


@dataclass(frozen=True, slots=True)
class Plan:
    operations: tuple[Operation, ...]
    #: What kind of job this is (journal and history): "edit", "bulk set", "undo", …
    kind: str
    #: One line for people: "Set tier=GOLD on 300 interactions".
    summary: str
    survey_id: int | None = None

    def __len__(self) -> int:
        return len(self.operations)


class Change(enum.StrEnum):
    CREATE = "create"
    OVERWRITE = "overwrite"
    UNCHANGED = "unchanged"
    DELETE = "delete"
    CONFLICT = "conflict"
    INVALID = "invalid"
    MISSING = "missing"


#: Changes that are written when the plan is applied.
WRITES = frozenset({Change.CREATE, Change.OVERWRITE, Change.DELETE})


@dataclass(frozen=True, slots=True)
class Planned:
    """One operation with what the preview found."""

    index: int
    op: Operation
    change: Change
    #: The server's copy now (None: no such tag).
    current: Tag | None
    #: Why, in plain words, for conflict, invalid and missing.
    reason: str = ""
    #: An existing key that differs from this new key only by case (``TIER``/``tier``).
    case_twin: str | None = None

    @property
    def interaction_id(self) -> int:
        return self.op.interaction_id

    @property
    def key(self) -> str:
        return self.op.key

    @property
    def old_value(self) -> str | None:
        return None if self.current is None else self.current.custom_value

    @property
    def new_value(self) -> str | None:
        return self.op.value if isinstance(self.op, SetTag) else None


@dataclass(frozen=True, slots=True)
class Preview:
    plan: Plan
    rows: tuple[Planned, ...]

    @property
    def counts(self) -> Counter[Change]:
        return Counter(row.change for row in self.rows)

    @property
    def writes(self) -> int:
        return sum(1 for row in self.rows if row.change in WRITES)

    @property
    def conflicts(self) -> list[Planned]:
        return [row for row in self.rows if row.change is Change.CONFLICT]

    @property
    def case_twins(self) -> list[Planned]:
        return [row for row in self.rows if row.case_twin and row.change is Change.CREATE]


# --- preview ------------------------------------------------------------------------


@dataclass
class _State:
    """What the server holds now for the interactions a plan touches."""

    tags: dict[int, dict[str, Tag]] = field(default_factory=lambda: defaultdict(dict))
    #: Interactions known not to exist (404), or, after a survey-wide read, every
    #: interaction not in the survey.
    missing: set[int] = field(default_factory=set)
    known: set[int] | None = None
    #: Keys in use, for the case-twin warning: per interaction, or survey-wide.
    survey_keys: set[str] | None = None

    def exists(self, interaction_id: int) -> bool:
        if interaction_id in self.missing:
            return False
        return self.known is None or interaction_id in self.known

    def keys_near(self, interaction_id: int) -> Iterable[str]:
        if self.survey_keys is not None:
            return self.survey_keys
        return self.tags.get(interaction_id, {}).keys()


def preview(
    api: WriteApi,
    plan: Plan,
    *,
    cancel: threading.Event | None = None,
    concurrency: int = CONCURRENCY,
) -> Preview:
    """Read the current state of the affected tags and classify every operation.
    Raises the client's typed error if the server cannot be read (nothing is written)."""
    touched = {op.interaction_id for op in plan.operations}
    if plan.survey_id is not None and len(touched) > PER_INTERACTION_LIMIT:
        setting = {op.interaction_id for op in plan.operations if isinstance(op, SetTag)}
        state = _read_survey(api, plan.survey_id, setting, cancel)
    else:
        state = _read_interactions(api, sorted(touched), cancel, concurrency)
    rows = tuple(classify(i, op, state) for i, op in enumerate(plan.operations))
    return Preview(plan, rows)


def _read_survey(
    api: WriteApi, survey_id: int, setting: set[int], cancel: threading.Event | None
) -> _State:
    """The survey's tags (Load all's walk). An interaction with a tag in the survey
    exists and belongs to it, so the survey's interactions are read (a second walk)
    only when a set goes to an interaction without one: a find-and-replace, or a bulk
    set on tagged interactions, reads the tags alone."""
    known: set[int] = set()
    keys: set[str] = set()
    state = _State(known=known, survey_keys=keys)
    for page in api.iter_tag_pages(survey_id=survey_id, cancel=cancel):
        for tag in page:
            state.tags[tag.interaction_id][tag.custom_key] = tag
            keys.add(tag.custom_key)
    known.update(state.tags)
    if not setting <= known:
        for interactions in api.iter_interaction_pages(survey_id, cancel=cancel):
            known.update(i.id for i in interactions)
    return state


def _read_interactions(
    api: WriteApi,
    interaction_ids: Sequence[int],
    cancel: threading.Event | None,
    concurrency: int,
) -> _State:
    state = _State()

    def read(interaction_id: int) -> tuple[int, list[Tag] | None]:
        try:
            tags = [
                t
                for page in api.iter_tag_pages(interaction_id=interaction_id, concurrency=1)
                for t in page
            ]
        except NotFoundError:
            return interaction_id, None  # no such interaction
        return interaction_id, tags

    if not interaction_ids:
        return state
    with ThreadPoolExecutor(max_workers=min(concurrency, len(interaction_ids))) as pool:
        for interaction_id, tags in pool.map(read, interaction_ids):
            if cancel is not None and cancel.is_set():
                raise CancelledError()
            if tags is None:
                state.missing.add(interaction_id)
                continue
            state.tags[interaction_id] = {t.custom_key: t for t in tags}
    return state


def classify(index: int, op: Operation, state: _State) -> Planned:
    """What applying ``op`` would do, given the server's state."""
    current = state.tags.get(op.interaction_id, {}).get(op.key)
    if isinstance(op, DeleteTag):
        if current is None or current.id != op.tag.id:
            return Planned(index, op, Change.MISSING, current, "already deleted")
        if has_changed(op.tag, current):
            return Planned(
                index, op, Change.CONFLICT, current, "changed by someone else since you saw it"
            )
        return Planned(index, op, Change.DELETE, current)
    problem = key_problem(op.key) or value_problem(op.value)
    if problem is not None:
        return Planned(index, op, Change.INVALID, current, problem)
    if not state.exists(op.interaction_id):
        return Planned(index, op, Change.MISSING, None, "the interaction does not exist")
    if current is not None and current.custom_value == op.value:
        return Planned(index, op, Change.UNCHANGED, current)
    based_on = op.based_on
    if based_on is not ANYTHING:
        if based_on is None and current is not None:
            return Planned(index, op, Change.CONFLICT, current, "someone else added this key since")
        if isinstance(based_on, Tag):
            if current is None:
                return Planned(
                    index, op, Change.CONFLICT, None, "deleted by someone else since you saw it"
                )
            if has_changed(based_on, current):
                return Planned(
                    index, op, Change.CONFLICT, current, "changed by someone else since you saw it"
                )
    if current is not None:
        return Planned(index, op, Change.OVERWRITE, current)
    twin = next(
        (
            k
            for k in state.keys_near(op.interaction_id)
            if k != op.key and k.lower() == op.key.lower()
        ),
        None,
    )
    return Planned(index, op, Change.CREATE, None, case_twin=twin)


def has_changed(seen: Tag, current: Tag) -> bool:
    """Whether the server copy differs from the one the user saw (key, value, and the
    update time when it is known)."""
    if (current.custom_key, current.custom_value) != (seen.custom_key, seen.custom_value):
        return True
    return bool(seen.updated_at) and current.updated_at != seen.updated_at


def value_problem(value: str) -> str | None:
    """Why a value cannot be sent, or None. (A str can hold what UTF-8 cannot carry, e.g.
    a lone surrogate from a badly decoded file.)"""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"the value has a character that cannot be saved (at position {error.start + 1})"
    return None


# --- apply --------------------------------------------------------------------------


class Result(enum.StrEnum):
    DONE = "done"
    #: Nothing to send: the server already held it.
    UNCHANGED = "unchanged"
    #: Not sent: invalid, missing, an unforced conflict, or its prerequisite failed.
    SKIPPED = "skipped"
    FAILED = "failed"
    #: Not sent because the job was cancelled.
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class RowResult:
    row: Planned
    result: Result
    #: The server's copy after a set (None after a delete, or when nothing was sent).
    tag: Tag | None = None
    error: SdxError | None = None
    message: str = ""

    @property
    def index(self) -> int:
        return self.row.index


class JobJournal(Protocol):
    """Where :func:`apply` records each operation (see :mod:`sdx_desktop.journal`)."""

    def start(self, plan: Plan) -> int: ...
    def intent(self, job_id: int, row: Planned) -> int: ...
    def outcome(self, entry_id: int, result: RowResult) -> None: ...


@dataclass(frozen=True, slots=True)
class JobReport:
    preview: Preview
    results: tuple[RowResult, ...]
    job_id: int | None = None

    @property
    def plan(self) -> Plan:
        return self.preview.plan

    @property
    def counts(self) -> Counter[Result]:
        return Counter(r.result for r in self.results)

    @property
    def done(self) -> list[RowResult]:
        return [r for r in self.results if r.result is Result.DONE]

    @property
    def unfinished(self) -> list[RowResult]:
        """Rows to retry: failed, or never sent because of a cancel."""
        return [r for r in self.results if r.result in (Result.FAILED, Result.CANCELLED)]


Progress = Callable[[int, int], None]


def apply(
    api: WriteApi,
    preview: Preview,
    *,
    force: Iterable[int] = (),
    journal: JobJournal | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    concurrency: int = CONCURRENCY,
) -> JobReport:
    """Write the preview's creates, overwrites and deletes, plus the conflicts whose
    indexes are in ``force``. Returns one result per operation, in plan order."""
    forced = set(force)
    rows = preview.rows
    results: dict[int, RowResult] = {}
    to_send: list[Planned] = []
    for row in rows:
        if row.change in WRITES or (row.change is Change.CONFLICT and row.index in forced):
            to_send.append(row)
        elif row.change is Change.UNCHANGED:
            results[row.index] = RowResult(row, Result.UNCHANGED, row.current)
        else:
            results[row.index] = RowResult(row, Result.SKIPPED, message=row.reason)
    job_id = journal.start(preview.plan) if journal is not None and to_send else None
    total = len(to_send)
    lock = threading.Lock()
    finished = 0

    def run_group(group: list[Planned]) -> None:
        nonlocal finished
        for row in group:
            result = _run_one(api, row, results, lock, journal, job_id, cancel)
            with lock:
                results[row.index] = result
                finished += 1
                count = finished
            if progress is not None:
                progress(count, total)

    groups: dict[int, list[Planned]] = defaultdict(list)
    for row in to_send:
        groups[row.interaction_id].append(row)
    if groups:
        with ThreadPoolExecutor(max_workers=min(concurrency, len(groups))) as pool:
            for future in [pool.submit(run_group, g) for g in groups.values()]:
                future.result()
    ordered = tuple(results[row.index] for row in rows)
    return JobReport(preview, ordered, job_id)


def _run_one(
    api: WriteApi,
    row: Planned,
    results: dict[int, RowResult],
    lock: threading.Lock,
    journal: JobJournal | None,
    job_id: int | None,
    cancel: threading.Event | None,
) -> RowResult:
    if cancel is not None and cancel.is_set():
        return RowResult(row, Result.CANCELLED, message="not sent: stopped")
    op = row.op
    if isinstance(op, DeleteTag) and op.after is not None:
        with lock:
            before = results.get(op.after)
        if before is None or before.result not in (Result.DONE, Result.UNCHANGED):
            return RowResult(row, Result.SKIPPED, message="kept: the change before it failed")
    entry_id = journal.intent(job_id, row) if journal is not None and job_id is not None else None
    try:
        if isinstance(op, SetTag):
            tag = api.set_tag(op.interaction_id, op.key, op.value)
            result = RowResult(row, Result.DONE, tag)
        else:
            gone = api.delete_tag(op.tag.id) is DeleteResult.ALREADY_GONE
            result = RowResult(row, Result.DONE, message="already deleted" if gone else "")
    except SdxError as error:
        result = RowResult(row, Result.FAILED, error=error, message=str(error))
    if journal is not None and entry_id is not None:
        journal.outcome(entry_id, result)
    return result
