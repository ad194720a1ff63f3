"""Rows as tab-separated text, the way Excel copies and pastes them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from sdx_desktop.api.models import Interaction, Tag
from sdx_desktop.exchange import EXTERNAL_REF, INTERACTION_ID, KEY, UPDATED, VALUE

TAG_COLUMNS = (INTERACTION_ID, EXTERNAL_REF, KEY, VALUE, UPDATED)
INTERACTION_COLUMNS = (INTERACTION_ID, EXTERNAL_REF, "Email", "Phone", "Type", "Status")


def _tsv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    # Excel's own tab format: a value with a tab, newline or quote is quoted, so a
    # multi-line value lands in one cell.
    writer = csv.writer(out, dialect="excel-tab", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def tags_as_text(tags: Iterable[Tag], interactions: Mapping[int, Interaction]) -> str:
    """The tags as the long export lays them out, header first."""
    rows = (
        (
            str(tag.interaction_id),
            _ref(interactions, tag.interaction_id),
            tag.custom_key,
            tag.custom_value,
            tag.updated_at,
        )
        for tag in tags
    )
    return _tsv(TAG_COLUMNS, rows)


def interactions_as_text(interactions: Iterable[Interaction]) -> str:
    rows = (
        (str(i.id), i.external_ref, i.email, i.phone_number, i.survey_type, i.status)
        for i in interactions
    )
    return _tsv(INTERACTION_COLUMNS, rows)


def _ref(interactions: Mapping[int, Interaction], interaction_id: int) -> str:
    interaction = interactions.get(interaction_id)
    return interaction.external_ref if interaction is not None else ""
