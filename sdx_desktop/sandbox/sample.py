"""Deterministic sample data for the sandbox.

Everything is drawn from ``random.Random(seed)`` and fixed dates in 2026,
so the same seed always yields the same rows and ids. Phone interactions
(inbound/outbound) carry a text ``agent_id`` such as ``"nevilr"``, ``"a.chen"``
or ``"1042"`` (a few none); the others have no agent. Sizes:

* ``"none"``: empty database.
* ``"small"``: 12 surveys, 3,000 interactions, about 20,000 tags.
* ``"large"``: ``small`` plus one benchmark survey with exactly 100,000 tags
  on 10,000 interactions (10 each).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from .db import format_timestamp
from .store import Store

SAMPLES = ("none", "small", "large")
BENCHMARK_SURVEY_NAME = "Benchmark — 100k tags"
BENCHMARK_TAGS = 100_000
BENCHMARK_INTERACTIONS = 10_000

SMALL_INTERACTIONS = 3_000
FIRST_SURVEY_ID = 101
FIRST_INTERACTION_ID = 24_001
FIRST_TAG_ID = 12_214_001

_YEAR_START = datetime(2026, 1, 1)
_YEAR_SECONDS = int((datetime(2026, 11, 1) - _YEAR_START).total_seconds())

# (name, description, channel mix) — the mix drives the survey_type of interactions.
_SURVEYS = (
    ("Post-Call Satisfaction Q4", "Short IVR survey offered after support calls.", "phone"),
    ("Branch Visit Feedback", "Follow-up for customers who visited a branch.", "digital"),
    ("Onboarding Check-In", "Thirty-day check-in with new account holders.", "mixed"),
    ("Technical Support CSAT", "Satisfaction after a technical support ticket closes.", "phone"),
    ("Claims Experience Survey", "How the claims process felt, start to finish.", "mixed"),
    ("Delivery Follow-Up", "Text survey sent once an order is delivered.", "sms"),
    ("Web Chat Feedback", "Two questions shown when a web chat ends.", "digital"),
    ("Retention Outreach 2026", "Outbound calls to customers at risk of leaving.", "phone"),
    ("Billing Enquiry Follow-Up", "After a billing question was answered.", "mixed"),
    ("New Account NPS", "Net Promoter Score for accounts opened this year.", "digital"),
    ("Store Pickup Experience", "Feedback on click-and-collect pickups.", "sms"),
    ("Agent Quality Review", "Post-call rating of the agent's courtesy and knowledge.", "phone"),
)
_CHANNEL_TYPES = {
    "phone": ("inbound", "inbound", "outbound"),
    "digital": ("web", "email", "email"),
    "sms": ("sms", "sms", "web"),
    "mixed": ("inbound", "outbound", "sms", "web", "email"),
}
_STATUSES = ("Completed", "Abandoned", "In Progress", "Not Started", "Scheduled")
_STATUS_WEIGHTS = (45, 12, 8, 20, 15)
_CALL_TYPES = ("Sales", "Service", "Billing", "Retention", "Technical")
_FIRST_NAMES = (
    "olivia", "liam", "amelia", "noah", "mia", "lucas", "chloe", "mateo", "zoe", "ethan",
    "priya", "arjun", "sofia", "jamal", "hannah", "kenji", "fatima", "diego", "grace", "omar",
)  # fmt: skip
_LAST_NAMES = (
    "smith", "nguyen", "garcia", "okafor", "martin", "kowalski", "tremblay", "rossi",
    "singh", "brown", "lee", "haddad", "murphy", "silva", "fischer", "dubois",
)  # fmt: skip
# Agent ids are text (the vendor's own example is "nevilr"): log-in names, numbers
# kept as text (a leading zero matters), near-twins that differ only in case or a dot,
# and None for calls no agent took. Phone interactions draw one; others have none.
_AGENT_IDS = (
    "nevilr", "a.chen", "1042", "m_okafor", None, "olivias",
    "liam.n", "1017", "amelia_g", "noahm", "0071", "mia.k",
    "lucas_t", "chloe.r", "1058", None, "mateos", "zoe_s",
    "ethan.b", "1003", "priyal", "arjun_h", "kenji.m", "1024",
    "fatima_d", None, "diego.s", "graceo", "omar_f", "1049",
    "j.smith", "JSMITH", "t.nguyen", "2001", "s.garcia", "k_martin",
    None, "r.kowalski", "e.tremblay", "1036", "g.rossi", "h_singh",
    "b.brown", "0042", "c.lee", None, "n.haddad", "p.murphy",
    "d.silva", "1011", "f.fischer", "l.dubois", "zoë.m", "agent-7",
    "x.ops", None, "supervisor1", "1060", "q.team", "nevil.r",
)  # fmt: skip
_DOMAINS = ("example.com", "mail.example.org", "example.net", "corp.example.co.uk")
_AREA_CODES = ("415", "212", "312", "617", "206", "512", "303", "404", "416", "604")


def _pick(*values: str) -> Callable[[random.Random], str]:
    return lambda rng: rng.choice(values)


_NOTES = (
    "", "Customer asked for a callback next week.", "Très satisfait du service.",
    "Kundin sehr zufrieden — Rückruf erwünscht.", "Wait time too long (>10 min).",
    "Mentioned competitor pricing.", "VIP — handle with care", "客户满意", "n/a",
)  # fmt: skip
_TAG_VALUES: dict[str, Callable[[random.Random], str]] = {
    "REGION": _pick("NORTHEAST", "SOUTHEAST", "MIDWEST", "SOUTHWEST", "WEST", "PACIFIC"),
    "tier": _pick("GOLD", "SILVER", "BRONZE", "PLATINUM"),
    "campaign_2026": _pick("spring_promo", "summer_saver", "back_to_school", "holiday_push"),
    "NPS_band": _pick("promoter", "passive", "detractor"),
    "store_id": lambda rng: f"ST-{rng.randint(1, 480):04d}",
    "language": _pick("en", "en-US", "es", "fr-CA", "de"),
    "channel": _pick("phone", "web", "sms", "email", "branch"),
    "product_line": _pick("Home Insurance", "Auto", "Checking", "Mortgage", "Credit Card"),
    "Agent_Team": _pick("Team Alpha", "Team Bravo", "Escalations", "Night Shift"),
    "account_type": _pick("personal", "business", "joint"),
    "case_id": lambda rng: f"CASE-2026-{rng.randint(1, 99999):05d}",
    "order_total": lambda rng: f"{rng.randint(5, 900)}.{rng.randint(0, 99):02d}",
    "callback_requested": _pick("yes", "no"),
    "survey_version": _pick("v3.1", "v3.2", "v4.0"),
    "csat_score": lambda rng: str(rng.randint(1, 5)),
    "customer_since": lambda rng: str(rng.randint(2004, 2026)),
    "visit_date": lambda rng: (_YEAR_START + timedelta(days=rng.randint(0, 300))).strftime(
        "%Y-%m-%d"
    ),
    "referral_source": _pick("google", "friend", "radio_ad", "mailer", "unknown"),
    # Lower-case twin of REGION: keys are case-sensitive, so both can coexist.
    "region": _pick("north", "south", "east", "west"),
    "notes": lambda rng: rng.choice(_NOTES),
}
_TAG_KEYS = tuple(_TAG_VALUES)


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.85:
        return f"+1{rng.choice(_AREA_CODES)}555{rng.randint(0, 9999):04d}"
    return rng.choice(("+4420", "+6129", "+3314")) + f"{rng.randint(0, 99999999):08d}"


def _email(rng: random.Random) -> str:
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
    return f"{first}.{last}{rng.randint(1, 99)}@{rng.choice(_DOMAINS)}"


def _survey_row(rng: random.Random, survey_id: int, name: str, description: str) -> tuple[Any, ...]:
    slug = "_".join(name.lower().replace("-", " ").split())
    brand = "Northwind Mutual"
    return (
        survey_id, name, description,
        f"Hello, and thank you for choosing {brand}. This is the {name} survey.",
        "Please answer on a scale from 1 to 5, where 5 means very satisfied.",
        "Thank you for your time. Your feedback helps us improve. Goodbye!",
        f"{brand}: tell us how we did",
        "surveys@northwind-mutual.example", f"{brand} Customer Care",
        f"{slug}_greeting.wav", f"{slug}_instructions.wav", f"{slug}_closing.wav",
        f"+1800555{rng.randint(0, 9999):04d}", f"+1888555{rng.randint(0, 9999):04d}",
        f"+1415555{rng.randint(0, 9999):04d}" if rng.random() < 0.6 else None,
    )  # fmt: skip


def _interaction_row(
    rng: random.Random, interaction_id: int, survey_id: int, channel: str
) -> tuple[tuple[Any, ...], datetime]:
    """One interaction row and its creation time."""
    survey_type = rng.choice(_CHANNEL_TYPES[channel])
    status = rng.choices(_STATUSES, _STATUS_WEIGHTS)[0]
    created = _YEAR_START + timedelta(seconds=rng.randrange(_YEAR_SECONDS))
    updated = created + timedelta(seconds=rng.randint(0, 3 * 86400))
    uses_phone = survey_type in ("inbound", "outbound", "sms")
    scheduled = None
    if status == "Scheduled" or (survey_type == "outbound" and rng.random() < 0.5):
        scheduled = format_timestamp(created + timedelta(hours=rng.randint(1, 240)))
    interaction_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    row = (
        interaction_id, interaction_uuid, survey_id,
        _phone(rng) if uses_phone else None,
        _email(rng) if not uses_phone or rng.random() < 0.4 else None,
        survey_type, scheduled,
        f"CRM-{rng.randint(1, 999999):06d}" if rng.random() < 0.9 else None,
        format_timestamp(created), format_timestamp(updated),
        rng.choice(_CALL_TYPES) if survey_type in ("inbound", "outbound") else None,
        rng.choice(_AGENT_IDS) if survey_type in ("inbound", "outbound") else None,
        status, f"https://surveydynamix.com/s/{interaction_uuid}",
    )  # fmt: skip
    return row, created


def _tag_rows(
    rng: random.Random,
    interaction: tuple[Any, ...],
    created: datetime,
    keys: list[str],
    first_id: int | None,
) -> list[tuple[Any, ...]]:
    rows = []
    for index, key in enumerate(keys):
        made = created + timedelta(seconds=1 + int(rng.random() * 3600))
        stamp = format_timestamp(made)
        changed = stamp
        if rng.random() < 0.3:
            changed = format_timestamp(made + timedelta(seconds=int(rng.random() * 86400)))
        tag_id = None if first_id is None else first_id + index
        value = _TAG_VALUES[key](rng)
        rows.append((tag_id, interaction[0], interaction[2], key, value, stamp, changed, 0))
    return rows


def build_small(rng: random.Random) -> tuple[list[Any], list[Any], list[Any]]:
    """Rows for the ``small`` sample: surveys, interactions, tags."""
    surveys, interactions, tags = [], [], []
    channels = {}
    for offset, (name, description, channel) in enumerate(_SURVEYS):
        survey_id = FIRST_SURVEY_ID + offset
        surveys.append(_survey_row(rng, survey_id, name, description))
        channels[survey_id] = channel
    survey_ids = list(channels)
    next_tag = FIRST_TAG_ID
    for offset in range(SMALL_INTERACTIONS):
        survey_id = rng.choice(survey_ids)
        row, created = _interaction_row(
            rng, FIRST_INTERACTION_ID + offset, survey_id, channels[survey_id]
        )
        interactions.append(row)
        keys = rng.sample(_TAG_KEYS, rng.randint(0, 13))
        tags.extend(_tag_rows(rng, row, created, keys, next_tag))
        next_tag += len(keys)
    return surveys, interactions, tags


def build_benchmark(
    rng: random.Random, survey_id: int, first_interaction: int
) -> tuple[list[Any], list[Any], list[Any]]:
    """Rows for the benchmark survey: exactly 100,000 tags, 10 per interaction."""
    surveys = [
        _survey_row(
            rng,
            survey_id,
            BENCHMARK_SURVEY_NAME,
            "Synthetic survey for paging and load benchmarks.",
        )
    ]
    interactions, tags = [], []
    per_interaction = BENCHMARK_TAGS // BENCHMARK_INTERACTIONS
    for offset in range(BENCHMARK_INTERACTIONS):
        row, created = _interaction_row(rng, first_interaction + offset, survey_id, "mixed")
        interactions.append(row)
        keys = rng.sample(_TAG_KEYS, per_interaction)
        # Ids continue the AUTOINCREMENT sequence, so let SQLite number them.
        tags.extend(_tag_rows(rng, row, created, keys, None))
    return surveys, interactions, tags


def populate(store: Store, sample: str = "small", seed: int = 2026) -> None:
    """Fill an empty store with the named sample, deterministically from ``seed``."""
    if sample not in SAMPLES:
        raise ValueError(f"unknown sample {sample!r}; choose one of {', '.join(SAMPLES)}")
    if sample == "none":
        return
    rng = random.Random(seed)
    surveys, interactions, tags = build_small(rng)
    if sample == "large":
        extra = build_benchmark(
            rng, FIRST_SURVEY_ID + len(surveys), FIRST_INTERACTION_ID + len(interactions)
        )
        surveys += extra[0]
        interactions += extra[1]
        tags += extra[2]
    store.insert_bulk(surveys, interactions, tags)
