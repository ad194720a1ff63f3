"""How the windows put things into words: an interaction's label, a value of several
lines, a phone number compared by its digits, counts that are still growing. No Qt
here, so each rule is tested on its own."""

from __future__ import annotations

from collections.abc import Iterable

from sdx_desktop.api.models import Interaction

#: Survey types as the filter and the table show them.
SURVEY_TYPE_WORDS = {
    "inbound": "Inbound",
    "outbound": "Outbound",
    "sms": "SMS",
    "web": "Web",
    "email": "Email",
}
#: Fewest digits a phone search needs (fewer would match almost every number).
MIN_PHONE_DIGITS = 3


def interaction_label(interaction: Interaction) -> str:
    """ "#26951 · REF-0042 · ana@example.com": what staff recognise an interaction by."""
    parts = [f"#{interaction.id}", interaction.external_ref, interaction.contact]
    return " · ".join(p for p in parts if p)


def describe_interaction(interaction_id: int, known: Iterable[Interaction] = ()) -> str:
    """The label of ``interaction_id`` if it is among ``known``, else "#id"."""
    match = next((i for i in known if i.id == interaction_id), None)
    return interaction_label(match) if match is not None else f"#{interaction_id}"


def survey_type_word(survey_type: str) -> str:
    return SURVEY_TYPE_WORDS.get(survey_type.lower(), survey_type)


def value_preview(value: str) -> str:
    """A value on one table line: its first line, and how many lines it has when more
    ("North … (3 lines)")."""
    lines = value.splitlines()
    if len(lines) <= 1 and not value.endswith(("\n", "\r")):
        return value
    first = lines[0] if lines else ""
    count = len(lines) if lines else 1
    if value.endswith(("\n", "\r")):
        count += 1  # a trailing line break starts an (empty) line of its own
    return f"{first} … ({count:,} lines)"


def short_time(stamp: str) -> str:
    """A timestamp to the minute, as a table shows it ("2026-01-19 04:42"); the full
    one goes in the tooltip. Anything not shaped like a timestamp is left as it is."""
    if len(stamp) >= 16 and stamp[4] == "-" and stamp[7] == "-" and stamp[10] in " T":
        head = stamp[:16]
        if head[11:13].isdigit() and head[13] == ":" and head[14:16].isdigit():
            return f"{head[:10]} {head[11:]}"
    return stamp


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def phone_matches(query: str, phone: str) -> bool:
    """Whether ``phone`` is the number ``query`` means, comparing digits only: spaces,
    brackets, dashes and "+" do not count, and a number typed without its country code
    finds the number stored with one ("(604) 555-3309" finds "+16045553309")."""
    wanted, stored = digits(query), digits(phone)
    if len(wanted) < MIN_PHONE_DIGITS or not stored:
        return False
    return wanted in stored or (len(stored) >= 7 and wanted.endswith(stored))


def count_so_far(count: int, noun: str, *, running: bool) -> str:
    """ "1,204 tags", or "1,204 tags so far…" while more are arriving."""
    text = f"{count:,} {noun}"
    return f"{text} so far…" if running else text


def partial_note(noun: str, loaded: int, *, sorted_: bool, filtered: bool, remedy: str) -> str:
    """What sorting or filtering a partly loaded list covers (``""`` when neither), and
    ``remedy``: how to get the rest ("Load all (Ctrl+L) to include every tag.")."""
    if not sorted_ and not filtered:
        return ""
    what = {(True, True): "Sorted and filtered", (True, False): "Sorted"}.get(
        (sorted_, filtered), "Filtered"
    )
    return f"{what}: only the first {loaded:,} {noun} loaded so far, not the whole list. {remedy}"


def interaction_matches(query: str, interaction: Interaction) -> bool:
    """Whether ``interaction`` is one ``query`` may mean: its ID (or the start of it), a
    part of its external ref or email (capital letters do not matter here), or its
    phone number (digits only)."""
    text = query.strip()
    if not text:
        return False
    number = text.lstrip("#")
    if number.isdigit() and str(interaction.id).startswith(number):
        return True
    folded = text.casefold()
    if any(folded in field.casefold() for field in (interaction.external_ref, interaction.email)):
        return True
    return phone_matches(text, interaction.phone_number)
