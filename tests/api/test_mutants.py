"""The API client's contract in the details mutation testing found unchecked.

Decoding (what a malformed record is reported as), scrubbing (every spelling of a
secret), error mapping, the paging walk's knobs, the deadline watchdog, and the
parameters each call sends (read back from the sandbox's request log). Most cases are
pure and fast, because mutmut runs them once per mutant. See docs/testing.md.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus

import pytest
import requests

from sdx_desktop.api import errors, paging
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.deadline import Watchdog
from sdx_desktop.api.errors import ProtocolError, scrub
from sdx_desktop.api.http import (
    BearerAuth,
    RetryPolicy,
    build_session,
    error_for_response,
    read_body,
)
from sdx_desktop.api.models import Interaction, Survey, Tag, decode_list, decode_one, parse_id
from sdx_desktop.api.paging import PageWalk, walk_pages
from sdx_desktop.api.urls import REGIONS, region_url
from sdx_desktop.sandbox import SandboxServer

from ..helpers import make_client

# --- decoding: what a record the app cannot use is reported as ----------------------------


def _detail(body: bytes, model: type[Any] = Tag, *, one: bool = False) -> str:
    decode = decode_one if one else decode_list
    with pytest.raises(ProtocolError) as info:
        decode(body, model, what="/x")
    return info.value.detail


@pytest.mark.parametrize(
    ("record", "detail"),
    [
        ({"id": True}, "tag id is a boolean"),
        ({"id": "12a"}, "tag id is not a whole number: '12a'"),
        ({"id": "9" * 30 + "x" * 30}, f"tag id is not a whole number: {('9' * 30 + 'x' * 10)!r}"),
        ({"id": 1.5}, "tag id is not an integer: a number"),
        ({"id": None}, "tag id is not an integer: null"),
        ({"id": [1]}, "tag id is not an integer: a list"),
        ({"id": {"n": 1}}, "tag id is not an integer: an object"),
        ({"custom_key": "k"}, "tag record has no id"),
        ({"id": 1, "interaction_id": False}, "interaction_id is a boolean"),
        ({"id": 1, "interaction_id": "x"}, "interaction_id is not a whole number: 'x'"),
        ({"id": 1, "custom_key": ["k"]}, "custom_key is a list, expected text"),
        ({"id": 1, "custom_value": {"v": 1}}, "custom_value is an object, expected text"),
        ({"id": 1, "created_at": [None]}, "created_at is a list, expected text"),
        ({"id": 1, "updated_at": {}}, "updated_at is an object, expected text"),
    ],
)
def test_a_malformed_tag_is_named_precisely(record: dict[str, Any], detail: str) -> None:
    assert _detail(json.dumps([record]).encode()) == detail


@pytest.mark.parametrize(
    ("body", "model", "detail"),
    [
        (b"[1]", Tag, "tag record is a number, not an object"),
        (b"[true]", Survey, "survey record is a boolean, not an object"),
        (b'["x"]', Interaction, "interaction record is text, not an object"),
        (b"[null]", Tag, "tag record is null, not an object"),
        (b"[[1]]", Tag, "tag record is a list, not an object"),
        (b'[{"name": "x"}]', Survey, "survey record has no id"),
        (b'[{"id": "s"}]', Survey, "survey id is not a whole number: 's'"),
        (b'[{"id": 1, "name": [1]}]', Survey, "name is a list, expected text"),
        (b'[{"id": "x"}]', Interaction, "interaction id is not a whole number: 'x'"),
        (b'[{"id": 1, "survey_id": true}]', Interaction, "survey_id is a boolean"),
        (b'[{"id": 1, "email": []}]', Interaction, "email is a list, expected text"),
        (b'[{"id": 1, "interaction_data": {}}]', Interaction, "interaction_data is not a list"),
        (b'{"rows": []}', Tag, "/x answered with an object, not a list"),
        (b'"text"', Tag, "/x answered with text, not a list"),
    ],
)
def test_malformed_bodies_are_named_precisely(body: bytes, model: type[Any], detail: str) -> None:
    assert _detail(body, model) == detail


def test_a_body_that_is_not_json_says_so() -> None:
    import msgspec

    for body in (b'{"id": "5", "custom_key": ', b"{oops"):
        with pytest.raises(msgspec.DecodeError) as reason:
            msgspec.json.decode(body)
        assert (
            _detail(body, one=True) == f"/x answered with a body that is not JSON ({reason.value})"
        )
    assert _detail(b"{oops", one=True).startswith("/x answered with a body that is not JSON (")
    assert _detail(b"[{oops").startswith("/x answered with a body that is not JSON (")
    # Valid up to where the typed decoder gives up, broken after: still "not JSON".
    assert _detail(b'{"id": "5", "custom_key": ', one=True).startswith(
        "/x answered with a body that is not JSON ("
    )
    assert _detail(b'[{"id": "5"}, ', one=False).startswith(
        "/x answered with a body that is not JSON ("
    )


def test_tolerant_fields_are_converted_as_documented() -> None:
    (tag,) = decode_list(
        b'[{"id": " 7 ", "interaction_id": "", "custom_key": true, "custom_value": false,'
        b' "created_at": 20260101, "updated_at": null, "colour": "red"}]',
        Tag,
    )
    assert (tag.id, tag.interaction_id, tag.custom_key, tag.custom_value) == (7, 0, "true", "false")
    assert (tag.created_at, tag.updated_at) == ("20260101", "")
    assert dict(tag.extra) == {"colour": "red"} and list(tag.extra) == ["colour"]
    assert repr(tag.extra) == "ExtraFields({'colour': 'red'})"
    assert hash(tag) == hash(
        decode_list(
            json.dumps(
                [
                    {
                        "id": 7,
                        "interaction_id": 0,
                        "custom_key": "true",
                        "custom_value": "false",
                        "created_at": "20260101",
                        "colour": "red",
                    }
                ]
            ).encode(),
            Tag,
        )[0]
    )


def test_one_record_may_come_as_a_one_element_list() -> None:
    assert decode_one(b'[{"id": "5", "custom_key": "k"}]', Tag).id == 5
    assert decode_one(b'{"id": "6"}', Tag).id == 6
    # Two records where one was expected is not silently cut to the first.
    assert _detail(b'[{"id": "5"}, {"id": "6"}]', one=True) == "tag record is a list, not an object"


def test_parse_id_names_what_it_parses() -> None:
    assert parse_id("42") == 42 and parse_id(7.0) == 7
    with pytest.raises(ProtocolError) as info:
        parse_id(True)
    assert info.value.detail == "id is a boolean"
    with pytest.raises(ProtocolError) as info:
        parse_id(object())
    assert info.value.detail == "id is not an integer: object"


# --- scrubbing: every spelling of a secret ------------------------------------------------


@pytest.fixture(autouse=True)
def _uncached_secret_forms() -> Iterator[None]:
    """The spellings of a set of secrets are computed once and cached; start each test
    without them, so the code that computes them runs in every test (under mutmut's
    fork, a cache filled before the fork would hide a mutant)."""
    errors._forms_of.cache_clear()
    yield
    errors._forms_of.cache_clear()


SECRET = "pa/ss:wörd \"q\" 'x' <&> é€ ☃"


def _json_upper_hex(text: str) -> str:
    """JSON as encoders that write ``\\uXXXX`` with capital hex digits produce it."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) > 127:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return "".join(out)


def _percent_lower_hex(text: str) -> str:
    """Every character %-encoded as some servers log it: lower-case hex digits."""
    return "".join(
        char if char.isascii() and char.isalnum() else "".join(f"%{b:02x}" for b in char.encode())
        for char in text
    )


def _spellings_of(secret: str) -> list[str]:
    """How a secret shows up in text the app did not write, built independently of the
    scrubber with the standard library (JSON, URL, HTML, reprs)."""
    forms = []
    for base in (secret, secret.lower(), secret.upper()):
        forms += [
            json.dumps(base)[1:-1],
            json.dumps(base, ensure_ascii=False)[1:-1],
            json.dumps(base).replace("/", "\\/")[1:-1],
            _json_upper_hex(base),
            quote(base, safe=""),
            _percent_lower_hex(base),
            quote(base),
            quote_plus(base),
            quote_plus(base, safe="/"),
            html.escape(base),
            html.escape(base, quote=False),
            repr(base)[1:-1],
            repr(base.encode("utf-8"))[2:-1],
        ]
        with contextlib.suppress(UnicodeEncodeError):
            forms.append(repr(base.encode("latin-1"))[2:-1])
    return forms


@pytest.mark.parametrize("form", _spellings_of(SECRET))
def test_every_escaped_spelling_of_a_secret_is_scrubbed(form: str) -> None:
    text = f"echo: [{form}] end"
    assert scrub(text, [SECRET]) == "echo: [***] end"


def test_a_latin1_secret_in_latin1_bytes_and_base64_is_scrubbed() -> None:
    secret = "héllo/wörld"
    raw = secret.encode("latin-1")
    for form in (
        repr(raw)[2:-1],
        base64.b64encode(raw).decode(),
        base64.b64encode(secret.encode()).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        base64.b64encode(secret.encode()).decode().rstrip("="),
    ):
        assert scrub(f"<{form}>", [secret]) == "<***>", form


def test_a_secret_that_latin1_cannot_hold_is_scrubbed_in_its_utf8_forms() -> None:
    secret = "tok€n-ünï-☃"
    for form in (
        base64.b64encode(secret.encode()).decode(),
        base64.b64encode(secret.encode()).decode().rstrip("="),
        repr(secret.encode())[2:-1],
        secret.encode().decode("latin-1"),  # UTF-8 read as Latin-1
    ):
        assert scrub(f"<{form}>", [secret]) == "<***>", form


def test_case_and_whitespace_variants_of_a_secret_are_scrubbed() -> None:
    secret = "Ab12-Cd34\t\n  Ef56"
    for form in ("ab12-cd34\t\n  ef56", "AB12-CD34\t\n  EF56", "Ab12-Cd34 Ef56"):
        assert scrub(f"[{form}]", [secret]) == "[***]", form


def test_unpadded_base64_of_basic_credentials_is_scrubbed() -> None:
    pair = "2f1c6a8e-uuid:tok"  # base64 of this has padding
    encoded = base64.b64encode(pair.encode()).decode()
    assert encoded.endswith("=")
    assert scrub(f"x {encoded.rstrip('=')} y", [pair]) == "x *** y"
    assert scrub(f"x {encoded} y", [pair]) == "x *** y"
    # Only the end is trimmed: the form without padding is the encoded text minus "=".
    assert scrub(f"x {encoded.lstrip('=')}", [pair]) == "x ***"


# --- errors built from answers ------------------------------------------------------------


def _response(
    status: int, body: bytes = b"", headers: dict[str, str] | None = None, method: str = "GET"
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers.update(headers or {})
    response.request = requests.Request(method, "http://127.0.0.1/api/x").prepare()
    return response


def test_a_429_without_retry_after_is_rate_limited_with_no_wait() -> None:
    error = error_for_response(_response(429, b'{"error": "slow down"}'), "/x", [])
    assert isinstance(error, errors.RateLimitedError)
    assert (error.status, error.retry_after) == (429, None)
    assert error.detail == "HTTP 429 for GET /x: slow down"
    assert str(error).startswith(errors.RateLimitedError.message)
    waited = error_for_response(_response(429, headers={"Retry-After": "7"}), "/x", [])
    assert isinstance(waited, errors.RateLimitedError) and waited.retry_after == 7.0
    odd = error_for_response(_response(429, headers={"Retry-After": "soon"}), "/x", [])
    assert isinstance(odd, errors.RateLimitedError) and odd.retry_after is None


def test_an_answer_too_large_names_its_size() -> None:
    response = _response(200, headers={"Content-Length": "5000"})
    response.raw = io.BytesIO(b"")
    with pytest.raises(errors.ResponseTooLargeError) as info:
        read_body(response, "/big", limit=1000)
    assert info.value.detail == "/big answered with more than 1,000 bytes (5,000 read or declared)"


def test_a_bearer_token_never_shows_in_a_repr() -> None:
    auth = BearerAuth("s3cr3t-token")
    assert repr(auth) == "BearerAuth(<hidden>)"
    request = auth(requests.Request("GET", "http://127.0.0.1/").prepare())
    assert request.headers["Authorization"] == "Bearer s3cr3t-token"


def test_sessions_verify_against_the_system_store_without_a_ca_bundle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ssl

    import truststore

    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    session = build_session(pool_size=2, policy=RetryPolicy(), user_agent="t")
    adapter = session.get_adapter("https://surveydynamix.com/api")
    context = adapter.poolmanager.connection_pool_kw["ssl_context"]
    assert isinstance(context, truststore.SSLContext)
    assert context.protocol == ssl.PROTOCOL_TLS_CLIENT
    assert adapter.poolmanager.pool_classes_by_scheme["https"].__name__ == "DeadlineHTTPSPool"
    session.close()


def test_proxied_connections_keep_the_deadline_and_the_proxy_settings() -> None:
    session = build_session(pool_size=2, policy=RetryPolicy(), user_agent="t")
    adapter = session.get_adapter("https://surveydynamix.com/api")
    manager = adapter.proxy_manager_for("http://proxy.test:3128", timeout=7)
    assert manager.pool_classes_by_scheme["https"].__name__ == "DeadlineHTTPSPool"
    assert manager.connection_pool_kw["timeout"] == 7  # the keyword reached urllib3
    session.close()


def test_an_unknown_region_lists_the_known_ones() -> None:
    with pytest.raises(errors.InsecureUrlError) as info:
        region_url("mars1")
    assert str(info.value).startswith(
        f"“mars1” is not a Survey Dynamix region ({', '.join(REGIONS)})."
    )
    assert region_url(" EU1 ") == REGIONS["eu1"]


# --- the paging walk's knobs -------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    id: int


def _rows(n: int) -> list[Row]:
    return [Row(i) for i in range(1, n + 1)]


class _CountingPool(ThreadPoolExecutor):
    submitted: list[int]

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        type(self).submitted.append(args[0])
        return super().submit(fn, *args, **kwargs)


@pytest.fixture
def counting_pool(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    submitted: list[int] = []
    pool = type("Pool", (_CountingPool,), {"submitted": submitted})
    monkeypatch.setattr(paging, "ThreadPoolExecutor", pool)
    return submitted


@pytest.mark.parametrize("concurrency", [2, 3])
def test_pages_are_planned_twice_the_concurrency_ahead(
    counting_pool: list[int], concurrency: int
) -> None:
    rows = _rows(5)
    pages = list(walk_pages(lambda o, n: rows[o : o + n], page_size=10, concurrency=concurrency))
    assert pages == [rows]
    assert counting_pool == [9 * n for n in range(2 * concurrency)]


def test_no_more_pages_run_at_once_than_the_concurrency() -> None:
    rows = _rows(200)
    lock = threading.Lock()
    running = 0
    most = 0

    def fetch(offset: int, limit: int) -> list[Row]:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01)  # long enough for the pool to start whatever it may
        with lock:
            running -= 1
        return rows[offset : offset + limit]

    got = [r.id for page in walk_pages(fetch, page_size=10, concurrency=2) for r in page]
    assert got == list(range(1, 201))
    assert most <= 2


def test_pages_are_fetched_on_named_threads() -> None:
    names: set[str] = set()

    def fetch(offset: int, limit: int) -> list[Row]:
        names.add(threading.current_thread().name)
        return []

    list(walk_pages(fetch, page_size=10, concurrency=2))
    assert names and all(name.startswith("sdx-pages") for name in names)


def test_the_walk_does_not_wait_for_pages_it_no_longer_needs() -> None:
    release = threading.Event()
    rows = _rows(5)

    def fetch(offset: int, limit: int) -> list[Row]:
        if offset > 0:
            release.wait(10)  # a speculative page stuck on a slow server
        return rows[offset : offset + limit]

    started = time.monotonic()
    try:
        assert [r.id for p in walk_pages(fetch, page_size=10, concurrency=2) for r in p] == [
            1,
            2,
            3,
            4,
            5,
        ]
        assert time.monotonic() - started < 5
    finally:
        release.set()


def test_a_descending_walk_takes_descending_pages() -> None:
    rows = list(reversed(_rows(25)))
    got = [
        r.id
        for p in walk_pages(lambda o, n: rows[o : o + n], page_size=10, order="DESC")
        for r in p
    ]
    assert got == list(range(25, 0, -1))


def test_walk_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match=r"^concurrency must be positive$"):
        next(walk_pages(lambda o, n: [], concurrency=0))
    walk: PageWalk[Row] = PageWalk(10)
    for size in (1, 0):
        with pytest.raises(ValueError, match=r"^page_size must be at least 2 to overlap pages$"):
            walk.resize(size)
    walk.resize(2)
    assert (walk.page_size, walk.overlap) == (2, 1)
    walk.resize(500)
    assert (walk.page_size, walk.overlap, walk.stride) == (500, 10, 490)


def test_a_resized_walk_asks_for_the_new_page_size() -> None:
    rows = _rows(30)
    walk: PageWalk[Row] = PageWalk(10)
    asked: list[tuple[int, int]] = []

    def fetch(offset: int, limit: int) -> list[Row]:
        asked.append((offset, limit))
        return rows[offset : offset + limit]

    got: list[int] = []
    for page in walk_pages(fetch, concurrency=1, walk=walk):
        got += [r.id for r in page]
        walk.resize(20)  # between pages, as Load all grows its pages
    assert got == list(range(1, 31))
    assert asked == [(0, 10), (9, 20), (28, 20)]


def test_forgetting_a_passed_row_moves_the_next_page_back_by_one() -> None:
    walk: PageWalk[Row] = PageWalk(10)
    walk.take(0, _rows(10))
    assert walk.next_offset() == 9
    walk.forget(10)  # the cursor row itself: passed
    assert walk.next_offset() == 8
    walk.forget(11)  # not reached yet: nothing moves
    assert walk.next_offset() == 8
    for item in range(1, 10):
        walk.forget(item)
    assert walk.next_offset() == 0  # never before the start
    fresh: PageWalk[Row] = PageWalk(10)
    fresh.forget(1)  # nothing taken yet: nothing to move
    assert fresh.next_offset() == 0
    descending: PageWalk[Row] = PageWalk(10, order="DESC")
    descending.take(0, list(reversed(_rows(30)))[:10])  # ids 30..21
    descending.forget(25)
    assert descending.next_offset() == 8
    descending.forget(3)
    assert descending.next_offset() == 8


def test_one_deleted_row_before_the_boundary_costs_no_step_back() -> None:
    # With forget(), the page after a delete of ours lines up exactly.
    rows = _rows(25)
    walk: PageWalk[Row] = PageWalk(10)
    assert [r.id for r in walk.take(0, rows[:10]).rows] == list(range(1, 11))
    del rows[0]
    walk.forget(1)
    offset = walk.next_offset()
    step = walk.take(offset, rows[offset : offset + 10])
    assert [r.id for r in step.rows] == list(range(11, 20))
    assert walk.refused == 0


def test_refused_pages_are_counted_one_each() -> None:
    rows = _rows(40)
    walk: PageWalk[Row] = PageWalk(10)
    walk.take(0, rows[:10])
    del rows[:5]  # someone else deleted rows we passed: the next page starts too far on
    walk.take(9, rows[9:19])
    assert walk.refused == 1
    walk.take(walk.next_offset(), rows[walk.next_offset() : walk.next_offset() + 10])
    assert walk.refused in (1, 2)
    refused_before = walk.refused
    offset = walk.next_offset()
    walk.take(offset, rows[offset : offset + 10])
    assert walk.refused - refused_before in (0, 1)


def test_the_first_step_back_is_half_a_page_and_at_least_one_row() -> None:
    walk: PageWalk[Row] = PageWalk(10)
    walk.take(0, _rows(10))
    walk.take(9, [Row(i) for i in range(15, 25)])  # begins past the cursor: refused
    assert walk.next_offset() == 4  # 9 - 10 // 2
    small: PageWalk[Row] = PageWalk(2)
    small.take(0, _rows(2))
    small.take(1, [Row(5), Row(6)])
    assert small.next_offset() == 0  # 1 - max(1, 2 // 2)
    tiny: PageWalk[Row] = PageWalk(3)
    tiny.take(0, _rows(3))
    tiny.take(2, [Row(7), Row(8), Row(9)])
    assert tiny.next_offset() == 1  # 2 - max(1, 3 // 2)


# --- the deadline watchdog ----------------------------------------------------------------


@contextlib.contextmanager
def _pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def test_the_watchdog_shuts_a_socket_down_at_its_deadline() -> None:
    watchdog = Watchdog()
    with _pair() as (a, _b), _pair() as (c, _d):
        a.settimeout(5)
        c.settimeout(5)
        started = time.monotonic()
        watchdog.arm(time.monotonic() + 0.3, c)  # later, armed first
        watchdog.arm(time.monotonic() + 0.1, a)
        assert a.recv(1) == b""  # the blocked read ends at the deadline, not the timeout
        first = time.monotonic() - started
        assert c.recv(1) == b""
        second = time.monotonic() - started
    assert 0.05 < first < 2 and first < second < 3


def test_a_disarmed_socket_is_left_alone_and_the_next_one_still_watched() -> None:
    watchdog = Watchdog()
    with _pair() as (a, b), _pair() as (c, _d):
        token = watchdog.arm(time.monotonic() + 0.05, a)
        watchdog.disarm(token)
        watchdog.arm(time.monotonic() + 0.2, c)
        c.settimeout(5)
        assert c.recv(1) == b""  # the watchdog went on past the disarmed one
        b.sendall(b"x")
        a.settimeout(1)
        assert a.recv(1) == b"x"  # still open
    with _pair() as (e, _f):
        # Armed again after going idle (its heap emptied): still watching.
        e.settimeout(5)
        watchdog.arm(time.monotonic() + 0.05, e)
        assert e.recv(1) == b""


def test_a_socket_closed_before_its_deadline_does_not_stop_the_watchdog() -> None:
    watchdog = Watchdog()
    a, b = socket.socketpair()
    watchdog.arm(time.monotonic() + 0.01, a)
    a.close()
    b.close()
    with _pair() as (c, _d):
        c.settimeout(5)
        watchdog.arm(time.monotonic() + 0.1, c)
        assert c.recv(1) == b""


# --- what each call sends (the sandbox's request log) -------------------------------------


def _queries(server: SandboxServer) -> list[tuple[str, str, dict[str, str]]]:
    return [(method, path, dict(parse_qsl(query))) for method, path, query in server.request_log]


@pytest.fixture
def quiet(fresh_sandbox: SandboxServer) -> Iterator[tuple[SandboxServer, SdxClient]]:
    """A server of its own (no other test's request in its log) and a client that reads
    one page at a time (no speculative page)."""
    with make_client(fresh_sandbox, concurrency=1) as client:
        fresh_sandbox.reset_request_count()
        yield fresh_sandbox, client


def test_the_connection_check_asks_for_one_survey(quiet: tuple[SandboxServer, SdxClient]) -> None:
    server, client = quiet
    client.test_connection()
    assert _queries(server) == [("GET", "/api/surveys", {"_limit": "1"})]


def test_interaction_lists_send_their_filters_and_drop_empty_ones(
    quiet: tuple[SandboxServer, SdxClient],
) -> None:
    server, client = quiet
    survey_id = server.store.survey_ids()[0]
    client.list_interactions(survey_id, email="", agent_id=None, completed=False)
    client.list_interactions(survey_id, completed=True, external_ref="R1")
    assert _queries(server) == [
        (
            "GET",
            "/api/interactions",
            {
                "_limit": "100",
                "_offset": "0",
                "_order": "DESC",
                "survey_id": str(survey_id),
                "completed": "false",
            },
        ),
        (
            "GET",
            "/api/interactions",
            {
                "_limit": "100",
                "_offset": "0",
                "_order": "DESC",
                "survey_id": str(survey_id),
                "completed": "true",
                "external_ref": "R1",
            },
        ),
    ]
    with pytest.raises(TypeError, match=r"^unknown interaction filter\(s\): colour, size$"):
        client.list_interactions(survey_id, size=1, colour="blue")  # type: ignore[arg-type]


def test_find_tag_asks_for_the_key_on_one_small_page(
    quiet: tuple[SandboxServer, SdxClient],
) -> None:
    server, client = quiet
    survey_id = server.store.create_survey("Find")
    interaction_id = server.store.create_interaction(survey_id)
    tag = client.set_tag(interaction_id, "tier", "GOLD")
    client.set_tag(interaction_id, "other", "x")
    server.reset_request_count()
    assert client.find_tag(interaction_id, "tier") == tag
    assert _queries(server) == [
        (
            "GET",
            "/api/interaction_data",
            {
                "_limit": "10",
                "_offset": "0",
                "_order": "ASC",
                "interaction_id": str(interaction_id),
                "custom_key": "tier",
            },
        )
    ]


def test_get_by_id_sends_no_query(quiet: tuple[SandboxServer, SdxClient]) -> None:
    server, client = quiet
    survey_id = server.store.survey_ids()[0]
    tag = client.list_tags(survey_id=survey_id, limit=1)[0]
    server.reset_request_count()
    client.get_survey(survey_id)
    client.get_tag(tag.id)
    assert _queries(server) == [
        ("GET", f"/api/surveys/{survey_id}", {}),
        ("GET", f"/api/interaction_data/{tag.id}", {}),
    ]


def test_a_walk_over_one_key_reads_only_that_key(
    quiet: tuple[SandboxServer, SdxClient],
) -> None:
    server, client = quiet
    survey_id = server.store.create_survey("One key")
    interaction_id = server.store.create_interaction(survey_id)
    wanted = client.set_tag(interaction_id, "tier", "GOLD")
    client.set_tag(interaction_id, "region", "north")
    assert list(client.iter_all_tags(survey_id=survey_id, custom_key="tier")) == [wanted]


def test_interaction_walks_page_by_the_page_size_and_can_be_cancelled(
    quiet: tuple[SandboxServer, SdxClient],
) -> None:
    server, client = quiet
    survey_id = server.store.create_survey("Many")
    ids = [server.store.create_interaction(survey_id) for _ in range(120)]
    server.reset_request_count()
    got = [i.id for page in client.iter_interaction_pages(survey_id, page_size=50) for i in page]
    assert got == ids
    # One page at a time (the client's concurrency): exactly the pages needed.
    assert [(q["_limit"], q["_offset"], q["_order"]) for _, _, q in _queries(server)] == [
        ("50", "0", "ASC"),
        ("50", "49", "ASC"),
        ("50", "98", "ASC"),
    ]
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(errors.CancelledError):
        list(client.iter_interaction_pages(survey_id, cancel=cancel))
    # The default page is the API's largest: more than 100 interactions in one walk.
    assert [i.id for page in client.iter_interaction_pages(survey_id) for i in page] == ids


def test_a_failed_delete_names_the_tag_in_its_details(
    quiet: tuple[SandboxServer, SdxClient],
) -> None:
    server, client = quiet
    survey_id = server.store.survey_ids()[0]
    tag = client.list_tags(survey_id=survey_id, limit=1)[0]
    server.set_faults(status_rates={500: 1.0})
    with (
        make_client(server, retry=RetryPolicy(attempts=0)) as once,
        pytest.raises(errors.ServerError) as info,
    ):
        once.delete_tag(tag.id)
    assert info.value.detail.startswith(f"HTTP 500 for DELETE /interaction_data/{tag.id}")


def test_a_delete_that_gets_no_answer_is_logged_with_its_method(
    quiet: tuple[SandboxServer, SdxClient], caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    server, client = quiet
    tag = client.list_tags(survey_id=server.store.survey_ids()[0], limit=1)[0]
    server.set_faults(reset_rate=1.0)
    caplog.set_level(logging.INFO, logger="sdx_desktop.api.client")
    with (
        make_client(server, retry=RetryPolicy(attempts=0)) as once,
        pytest.raises(errors.NetworkError) as info,
    ):
        once.delete_tag(tag.id)
    assert f"DELETE /interaction_data/{tag.id} failed: {info.value.detail}" in caplog.messages


@pytest.mark.parametrize("what", ["tag", "survey"])
def test_an_unreadable_single_record_names_its_endpoint(
    quiet: tuple[SandboxServer, SdxClient], what: str
) -> None:
    server, client = quiet
    survey_id = server.store.survey_ids()[0]
    tag = client.list_tags(survey_id=survey_id, limit=1)[0]
    server.set_faults(malformed_rate=1.0, malformed_kind="truncated")
    with pytest.raises(ProtocolError) as info:
        if what == "tag":
            client.get_tag(tag.id)
        else:
            client.get_survey(survey_id)
    path = f"/interaction_data/{tag.id}" if what == "tag" else f"/surveys/{survey_id}"
    assert info.value.detail.startswith(f"{path} answered with a body that is not JSON (")


def test_a_bare_created_answer_whose_tag_is_gone_is_a_protocol_error(
    quiet: tuple[SandboxServer, SdxClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, client = quiet
    survey_id = server.store.create_survey("Bare 201")
    interaction_id = server.store.create_interaction(survey_id)
    send = client._send

    def bare_created(method: str, path: str, **kwargs: Any) -> tuple[requests.Response, bytes]:
        response, body = send(method, path, **kwargs)
        if method == "POST":
            # "201 Created" without the record, and someone deletes it before we look.
            with make_client(server) as other:
                other.delete_tag(json.loads(body)["id"])
            return response, b""
        return response, body

    monkeypatch.setattr(client, "_send", bare_created)
    with pytest.raises(errors.ProtocolError) as info:
        client.set_tag(interaction_id, "tier", "GOLD")
    assert info.value.detail == "saved tag not found after POST"


def test_a_client_needs_exactly_one_of_an_address_or_a_region() -> None:
    from sdx_desktop.api.auth import TokenCredentials

    credentials = TokenCredentials("t0ken-value")
    with pytest.raises(ValueError, match="exactly one of base_url or region"):
        SdxClient(credentials)
    with pytest.raises(ValueError, match="exactly one of base_url or region"):
        SdxClient(credentials, base_url="https://surveydynamix.com/api", region="us1")
    with SdxClient(credentials, region="eu1") as client:
        assert client.base_url == REGIONS["eu1"]


def test_paging_arguments_are_checked(client: SdxClient) -> None:
    with pytest.raises(ValueError, match="order must be ASC or DESC"):
        client.list_surveys(order="UP")  # type: ignore[arg-type]
    for kwargs in (
        {"page_size": 1},
        {"page_size": 10, "order": "UP"},
        {"page_size": 10, "overlap": 10},
    ):
        with pytest.raises(ValueError):
            PageWalk(**kwargs)  # type: ignore[arg-type]
    walk: PageWalk[Row] = PageWalk(10)
    walk.take(0, _rows(3))
    with pytest.raises(RuntimeError, match="the walk has ended"):
        walk.take(3, [])


def test_an_address_with_a_query_or_fragment_is_refused() -> None:
    from sdx_desktop.api.urls import normalise_base_url

    for url in ("https://surveydynamix.com/api?x=1", "https://surveydynamix.com/api#top"):
        with pytest.raises(errors.InsecureUrlError, match="must not contain “\\?” or “#” parts"):
            normalise_base_url(url)


def test_an_error_object_without_words_falls_back_to_the_top_level_message() -> None:
    from sdx_desktop.api.http import server_message

    assert server_message(_response(500, b'{"error": 5, "message": "Down"}')) == ("Down", True)
    assert server_message(_response(500, b'{"error": {"detail": "Bad"}}')) == ("Bad", True)


def test_other_request_failures_are_protocol_errors_with_the_root_cause() -> None:
    from sdx_desktop.api.http import error_for_exception

    levels: list[BaseException] = [ValueError("deepest")]
    for level in range(8):
        levels.append(requests.exceptions.ChunkedEncodingError(f"level {level}", levels[-1]))
    error = error_for_exception(levels[-1], "/p", [])  # type: ignore[arg-type]
    assert isinstance(error, errors.ProtocolError)
    # The cause is followed at most six levels down (here: to "level 1", not "deepest").
    assert error.detail == f"ChunkedEncodingError for /p: ChunkedEncodingError: {levels[2]}"


def test_a_streamed_answer_larger_than_the_limit_is_refused() -> None:
    response = requests.Response()
    response.status_code = 200
    response.raw = io.BytesIO(b"x" * 2000)
    with pytest.raises(errors.ResponseTooLargeError) as info:
        read_body(response, "/big", limit=1000)
    assert info.value.detail == "/big answered with more than 1,000 bytes (2,000 read or declared)"


def test_without_a_deadline_nothing_is_armed() -> None:
    from sdx_desktop.api import deadline

    with deadline.deadline_scope(None):
        assert deadline.remaining() is None and not deadline.expired()
    with deadline.deadline_scope(5):
        deadline._arm(object())  # not a socket (a test double, a wrapped connection)
        assert deadline._local.armed == []
        left = deadline.remaining()
        assert left is not None and 4 < left <= 5


# --- the cursor search after deletes (PageWalk directly) ------------------------------------


def _ids(first: int, last: int) -> list[Row]:
    return [Row(i) for i in range(first, last + 1)]


def test_a_step_back_that_finds_only_older_rows_after_inserts_searches_afresh() -> None:
    walk: PageWalk[Row] = PageWalk(10)
    walk.take(0, _ids(1, 10))
    walk.take(9, _ids(20, 29))  # began past the cursor (10): refused
    assert (walk.refused, walk.next_offset()) == (1, 4)
    # Rows inserted before: the page at 4 ends past where the search began, yet holds
    # nothing new. The search starts over from this page's end.
    assert walk.take(4, _ids(1, 10)).rows == []
    assert walk.next_offset() == 13


def test_a_refusal_below_the_known_floor_steps_back_afresh() -> None:
    walk: PageWalk[Row] = PageWalk(10)
    walk.take(0, _ids(1, 10))
    walk.take(9, _ids(10, 19))
    assert walk.next_offset() == 18
    walk.take(18, _ids(40, 49))  # refused: step back half a page
    assert walk.next_offset() == 13
    walk.take(13, _ids(30, 39))  # refused again: twice as far
    assert walk.next_offset() == 3
    walk.take(3, _ids(1, 10))  # only older rows: the cursor lies in [12, 13)
    assert walk.next_offset() == 12
    walk.take(12, _ids(30, 39))  # refused at the floor itself: more was deleted
    assert (walk.refused, walk.next_offset()) == (3, 7)


def test_an_interaction_keeps_its_unknown_fields() -> None:
    (interaction,) = decode_list(b'[{"id": "3", "survey_id": "", "mood": "calm"}]', Interaction)
    assert (interaction.id, interaction.survey_id) == (3, None)
    assert dict(interaction.extra) == {"mood": "calm"}
    (plain,) = decode_list(b'[{"id": "4"}]', Interaction)
    assert dict(plain.extra) == {}


def test_a_refused_key_carries_its_reason() -> None:
    from sdx_desktop.api.keys import KeyRuleError, check_key, key_problem

    with pytest.raises(KeyRuleError) as info:
        check_key("1abc")
    assert (info.value.key, info.value.reason) == ("1abc", key_problem("1abc"))
    assert str(info.value) == info.value.reason


@pytest.mark.parametrize("kind", ["http", "https"])
def test_a_connection_arms_the_watchdog_while_it_waits_for_the_answer(kind: str) -> None:
    from sdx_desktop.api import deadline

    cls = deadline.DeadlineHTTPSConnection if kind == "https" else deadline.DeadlineHTTPConnection
    with _pair() as (ours, server), deadline.deadline_scope(5):
        connection = cls("127.0.0.1", 9)
        connection.sock = ours  # already connected (TLS or not makes no difference here)
        connection.request("GET", "/api/surveys")
        server.recv(65536)
        server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]")
        response = connection.getresponse()
        assert response.status == 200 and response.data == b"[]"
        assert len(deadline._local.armed) == 1  # this socket is watched until the scope ends


def test_a_rate_limit_error_keeps_a_message_given_to_it() -> None:
    error = errors.RateLimitedError("Slow down, please.", status=429, retry_after=3.0)
    assert str(error).startswith("Slow down, please.")
    assert (error.status, error.detail, error.retry_after) == (429, "", 3.0)
    plain = errors.RateLimitedError()
    assert str(plain).startswith(errors.RateLimitedError.message) and plain.detail == ""


def test_a_failed_call_is_logged_with_method_path_and_detail(
    client: SdxClient, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.INFO, logger="sdx_desktop.api.client")
    with pytest.raises(errors.NotFoundError) as info:
        client.get_survey(987654321)
    assert f"GET /surveys/987654321 failed: {info.value.detail}" in caplog.messages
    assert info.value.detail.startswith("HTTP 404 for GET /surveys/987654321")


def test_walk_defaults_are_the_apis_largest_page_and_eight_at_once(
    counting_pool: list[int],
) -> None:
    limits: list[int] = []

    def fetch(offset: int, limit: int) -> list[Row]:
        limits.append(limit)
        return []

    list(walk_pages(fetch))
    assert set(limits) == {1000}
    assert counting_pool == [980 * n for n in range(16)]  # 2 x 8 planned ahead


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("a b", "spaces"),
        ("a-b", "“-”"),
        ("a.b", "“.”"),
        ("a\u200bb", "the invisible character U+200B"),
    ],
)
def test_a_refused_key_names_the_characters_in_plain_words(key: str, shown: str) -> None:
    from sdx_desktop.api.keys import key_problem

    assert key_problem(key) == f"The key may contain only letters A–Z, digits and _ (not {shown})."


# --- the HTTP gateway: every answer mapped, every knob set (pure, no server) ---------------


@pytest.mark.parametrize(
    ("status", "body", "kind", "starts"),
    [
        (
            400,
            b'{"error": {"message": "bad _limit."}}',
            errors.BadRequestError,
            "Survey Dynamix refused the request: bad _limit.",
        ),
        (
            422,
            b'{"message": "key taken"}',
            errors.BadRequestError,
            "Survey Dynamix refused the request: key taken.",
        ),
        (
            400,
            b"<html><body>Bad Request</body></html>",
            errors.BadRequestError,
            errors.BadRequestError.message,
        ),  # a proxy's page is not a reason for people
        (
            400,
            json.dumps({"error": "x" * 161}).encode(),
            errors.BadRequestError,
            errors.BadRequestError.message,
        ),  # too long to be a sentence (a dump)
        (401, b"", errors.AuthError, errors.AuthError.message),
        (403, b"", errors.AuthError, errors.AuthError.message),
        (404, b"", errors.NotFoundError, errors.NotFoundError.message),
        (405, b"", errors.MethodNotAllowedError, errors.MethodNotAllowedError.message),
        (409, b"", errors.ConflictError, errors.ConflictError.message),
        (410, b"", errors.GoneError, errors.GoneError.message),
        (
            413,
            b'{"error": "too big"}',
            errors.ValueTooLargeError,
            errors.ValueTooLargeError.message,
        ),
        (418, b"", errors.ProtocolError, errors.ProtocolError.message),
        (302, b"", errors.ProtocolError, errors.ProtocolError.message),
        (500, b"", errors.ServerError, errors.ServerError.message),
        (599, b"oops", errors.ServerError, errors.ServerError.message),
    ],
)
def test_every_status_becomes_its_typed_error(
    status: int, body: bytes, kind: type[errors.SdxError], starts: str
) -> None:
    error = error_for_response(_response(status, body, method="POST"), "/p", [])
    assert type(error) is kind
    assert str(error).startswith(starts)
    assert error.status == status
    assert error.detail.startswith(f"HTTP {status} for POST /p")


def test_the_detail_keeps_the_servers_words_trimmed_and_scrubbed() -> None:
    said = "token s3cret-value rejected " + "y" * 400
    error = error_for_response(
        _response(500, json.dumps({"error": said}).encode()), "/p", ["s3cret-value"]
    )
    assert error.detail == f"HTTP 500 for GET /p: token *** rejected {'y' * 272}"
    bare = error_for_response(_response(500, b""), "/p", [])
    assert bare.detail == "HTTP 500 for GET /p"


@pytest.mark.parametrize(
    ("body", "words", "for_people"),
    [
        (b'{"error": {"message": "No such\\n  survey"}}', "No such survey", True),
        (b'{"error": {"message": "", "detail": "Bad id"}}', "Bad id", True),
        (b'{"error": "Plain words"}', "Plain words", True),
        (b'{"message": "Top level"}', "Top level", True),
        (b'{"error": {}}', "", False),
        (b'{"status": 500}', "", False),
        (b"[1, 2]", "[1, 2]", False),
        (
            b"<html><head><title>T</title><style>p{}</style></head><body><p>Gate\nway</p>"
            b"<script>x()</script></body></html>",
            "Gate way",
            False,
        ),
        (b"Service  down", "Service down", False),
        (b"", "", False),
    ],
)
def test_server_message(body: bytes, words: str, for_people: bool) -> None:
    from sdx_desktop.api.http import server_message

    assert server_message(_response(500, body)) == (words, for_people)


def test_request_failures_become_typed_errors() -> None:
    import urllib3

    from sdx_desktop.api.http import error_for_exception

    refused = requests.exceptions.ConnectionError(
        urllib3.exceptions.MaxRetryError(
            None,  # type: ignore[arg-type]
            "/p",
            urllib3.exceptions.NewConnectionError(None, "Connection refused"),  # type: ignore[arg-type]
        )
    )
    timed_out = requests.exceptions.ConnectionError(
        urllib3.exceptions.MaxRetryError(
            None,
            "/p",
            urllib3.exceptions.ReadTimeoutError(None, "/p", "read timed out"),  # type: ignore[arg-type]
        )
    )
    cases = [
        (requests.exceptions.SSLError("bad cert"), errors.TlsError),
        (refused, errors.NetworkError),
        (requests.exceptions.ReadTimeout("slow"), errors.RequestTimeoutError),
        (timed_out, errors.RequestTimeoutError),
        (requests.exceptions.ConnectionError("reset"), errors.NetworkError),
        (requests.exceptions.InvalidURL("bad"), errors.ProtocolError),
    ]
    for exc, kind in cases:
        error = error_for_exception(exc, "/p?token=abc", ["abc"])
        assert type(error) is kind, exc
        assert error.detail.startswith(f"{type(exc).__name__} for /p?token=***: ")
        assert "abc" not in error.detail


def test_a_cause_chain_that_loops_ends() -> None:
    from sdx_desktop.api.http import _caused_by

    a, b = ValueError("a"), ValueError("b")
    a.__cause__, b.__cause__ = b, a
    assert not _caused_by(a, KeyError)
    wrapped = ValueError("outer", KeyError("inner"))
    assert _caused_by(wrapped, KeyError)
    reason = ValueError("outer")
    reason.reason = KeyError("why")  # type: ignore[attr-defined]
    assert _caused_by(reason, KeyError)
    context = ValueError("during")
    context.__context__ = KeyError("first")
    assert _caused_by(context, KeyError) and _caused_by(context, ValueError)


def test_the_retry_policy_reaches_urllib3() -> None:
    from sdx_desktop.api.http import RETRY_METHODS, RETRY_STATUSES, make_retry

    retry = make_retry(RetryPolicy(attempts=3, backoff=0.25, max_wait=7.0))
    assert (retry.total, retry.connect, retry.read, retry.status, retry.other) == (3, 3, 3, 3, 0)
    assert (retry.backoff_factor, retry.backoff_max) == (0.25, 7.0)
    assert retry.status_forcelist == RETRY_STATUSES == {429, 500, 502, 503, 504}
    assert retry.allowed_methods == RETRY_METHODS == {"GET", "POST", "DELETE"}
    assert retry.respect_retry_after_header and not retry.raise_on_status
    assert retry.max_retry_after == 7.0
    copy = retry.new(total=1)
    assert copy.max_retry_after == 7.0 and copy.total == 1


def test_retry_waits_are_capped_and_end_at_the_deadline() -> None:
    import urllib3

    from sdx_desktop.api import deadline
    from sdx_desktop.api.http import make_retry

    retry = make_retry(RetryPolicy(attempts=3, backoff=100.0, max_wait=5.0))
    asks_an_hour = urllib3.HTTPResponse(status=503, headers={"Retry-After": "3600"})
    assert retry.get_retry_after(asks_an_hour) == 5.0
    assert retry.get_retry_after(urllib3.HTTPResponse(status=503)) is None
    assert (
        retry.get_retry_after(urllib3.HTTPResponse(status=503, headers={"Retry-After": "2"})) == 2.0
    )
    later = retry.increment("GET", "/x").increment("GET", "/x")
    assert later.get_backoff_time() == 5.0  # the policy's cap
    with deadline.deadline_scope(0.5):
        assert 0 < later.get_backoff_time() <= 0.5  # never past the call's deadline
        assert 0 < retry.get_retry_after(asks_an_hour) <= 0.5  # type: ignore[operator]
    with deadline.deadline_scope(0.0), pytest.raises(urllib3.exceptions.MaxRetryError) as info:
        make_retry(RetryPolicy(backoff=0.0)).sleep()
    assert isinstance(info.value.reason, urllib3.exceptions.TimeoutError)
    make_retry(RetryPolicy(backoff=0.0)).sleep()  # no deadline: returns


def test_a_session_is_set_up_for_the_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/company-ca.pem")
    session = build_session(pool_size=5, policy=RetryPolicy(attempts=2), user_agent="UA/1")
    assert session.trust_env is True
    assert (session.headers["User-Agent"], session.headers["Accept"]) == (
        "UA/1",
        "application/json",
    )
    for prefix in ("https://x.test/", "http://x.test/"):
        adapter = session.get_adapter(prefix)
        assert type(adapter).__name__ == "_DeadlineAdapter"  # the company bundle is used
        assert (adapter._pool_connections, adapter._pool_maxsize) == (2, 5)
        assert adapter.max_retries.total == 2
        assert adapter.poolmanager.pool_classes_by_scheme["http"].__name__ == "DeadlineHTTPPool"
    session.close()
    local = build_session(pool_size=1, policy=RetryPolicy(), user_agent="UA", use_proxies=False)
    assert local.trust_env is False and local.verify == "/etc/company-ca.pem"
    local.close()
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    bare = build_session(pool_size=1, policy=RetryPolicy(), user_agent="UA", use_proxies=False)
    assert bare.verify is True
    bare.close()


# --- found by the second mutation run ------------------------------------------------------


def test_a_value_utf8_cannot_carry_is_refused_before_sending(client: SdxClient) -> None:
    with pytest.raises(errors.BadRequestError) as info:
        client.set_tag(1, "note", "bad \udc80 value")
    assert info.value.message == (
        "The value contains a character that cannot be saved (at position 5). "
        "Retype that part of the value and try again."
    )
    assert (info.value.detail, info.value.status) == ("value is not valid UTF-8", None)


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("bad _limit.", "bad _limit"),
        ("missing field X.", "missing field X"),
        ("x" * 160, "x" * 160),  # exactly the longest reason shown to people
    ],
)
def test_a_refusal_reason_is_shown_as_one_sentence(said: str, shown: str) -> None:
    error = error_for_response(_response(400, json.dumps({"error": said}).encode()), "/p", [])
    assert error.message == f"Survey Dynamix refused the request: {shown}."


def test_a_top_level_detail_is_the_servers_words() -> None:
    from sdx_desktop.api.http import server_message

    assert server_message(_response(500, b'{"detail": "Bad id"}')) == ("Bad id", True)


def test_a_reason_that_is_not_an_exception_is_not_followed() -> None:
    from sdx_desktop.api.http import _caused_by, _root_cause

    error = ValueError("outer")
    error.reason = "just words"  # type: ignore[attr-defined]
    assert not _caused_by(error, KeyError)
    assert _root_cause(error) == "ValueError: outer"


def test_the_root_cause_follows_reasons_and_is_cut_at_300_characters() -> None:
    import urllib3

    from sdx_desktop.api.http import _root_cause

    deepest = urllib3.exceptions.NewConnectionError(None, "refused " + "z" * 400)  # type: ignore[arg-type]
    wrapped = urllib3.exceptions.MaxRetryError(None, "/p", deepest)  # type: ignore[arg-type]
    cause = _root_cause(requests.exceptions.ConnectionError(wrapped))
    assert cause == f"NewConnectionError: {deepest}"[:300] and len(cause) == 300


def _far(offset: int, size: int) -> list[Row]:
    """A page that begins far past any cursor (someone deleted a lot before it)."""
    return _ids(1000 + offset, 1000 + offset + size - 1)


def test_a_fresh_step_back_is_half_an_odd_page_rounded_down() -> None:
    walk: PageWalk[Row] = PageWalk(11)  # overlap 1, stride 10
    for offset in (0, 10, 20):
        walk.take(offset, _ids(offset + 1, offset + 11))
    assert walk.next_offset() == 30  # cursor 31
    for offset, then in ((30, 25), (25, 15), (15, 0)):  # refused: back 5, 10, 20
        walk.take(offset, _far(offset, 11))
        assert walk.next_offset() == then
    walk.take(0, _ids(1, 11))  # only older rows: the cursor is at 10 or later
    assert walk.next_offset() == 10
    walk.take(10, _far(10, 11))  # refused at that floor itself: step back afresh
    assert walk.next_offset() == 5  # 10 - 11 // 2, a whole row number


def test_a_fresh_step_back_on_a_three_row_page_is_one_row() -> None:
    walk: PageWalk[Row] = PageWalk(3)  # overlap 1, stride 2
    for offset in (0, 2, 4):
        walk.take(offset, _ids(offset + 1, offset + 3))
    assert walk.next_offset() == 6  # cursor 7
    for offset, then in ((6, 5), (5, 3), (3, 0)):  # refused: back 1, 2, 4
        walk.take(offset, _far(offset, 3))
        assert walk.next_offset() == then
    walk.take(0, _ids(1, 3))
    assert walk.next_offset() == 2
    walk.take(2, _far(2, 3))
    assert walk.next_offset() == 1  # 2 - max(1, 3 // 2)


def test_a_walk_that_is_refused_forever_gives_up_with_a_plain_error() -> None:
    calls = 0

    def fetch(offset: int, limit: int) -> list[Row]:
        nonlocal calls
        calls += 1
        assert calls < 1000, "the walk never gave up"
        # The start of the list never changes; anywhere else begins far past it.
        return _ids(1, 10) if offset == 0 else _ids(1000 + offset, 1009 + offset)

    with pytest.raises(ProtocolError, match="kept sending the same rows"):
        list(walk_pages(fetch, page_size=10, concurrency=1))
    assert calls <= paging.NO_PROGRESS_LIMIT + 2


def test_a_failed_or_unreadable_save_names_the_endpoint(
    client: SdxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([(_response(500, method="POST"), b""), (_response(200, method="POST"), b"[")])
    monkeypatch.setattr(client, "_send", lambda method, path, **kwargs: next(answers))
    with pytest.raises(errors.ServerError) as failed:
        client.set_tag(1, "tier", "GOLD")
    assert failed.value.detail == "HTTP 500 for POST /interaction_data"
    with pytest.raises(ProtocolError) as unreadable:
        client.set_tag(1, "tier", "GOLD")
    assert unreadable.value.detail.startswith(
        "/interaction_data answered with a body that is not JSON ("
    )


def test_a_record_with_trailing_garbage_is_not_json() -> None:
    import msgspec

    body = b'{"id": "5"} x'  # the typed decoder stops at "5"; the whole body is not JSON
    with pytest.raises(msgspec.DecodeError) as reason:
        msgspec.json.decode(body)
    assert _detail(body, one=True) == f"/x answered with a body that is not JSON ({reason.value})"


def test_a_late_page_refused_after_the_search_began_does_not_move_it() -> None:
    """The search for the cursor steps back from the lowest refused offset, even when a
    page planned further ahead is refused after it."""
    walk: PageWalk[Row] = PageWalk(10)
    walk.take(0, _rows(10))
    walk.take(50, [Row(i) for i in range(60, 70)])  # begins past the cursor: refused
    assert walk.next_offset() == 45  # half a page back
    walk.take(59, [Row(i) for i in range(70, 80)])  # a page planned ahead, refused late
    assert walk.refused == 2
    assert walk.next_offset() == 40  # a whole page back from 50, not from 59


def test_a_server_ignoring_the_offset_is_given_up_on_after_exactly_the_limit() -> None:
    """The first page brings rows; then the same page comes back for every offset:
    :data:`paging.NO_PROGRESS_LIMIT` requests in a row without a new row end the walk."""
    calls = 0

    def fetch(offset: int, limit: int) -> list[Row]:
        nonlocal calls
        calls += 1
        assert calls < 1000, "the walk never gave up"
        return _rows(10)

    with pytest.raises(ProtocolError) as info:
        list(walk_pages(fetch, page_size=10, concurrency=1))
    assert calls == 1 + paging.NO_PROGRESS_LIMIT
    assert str(info.value).startswith(
        "Survey Dynamix kept sending the same rows, so loading stopped before the end of the list."
    )
    assert info.value.detail == (
        f"{paging.NO_PROGRESS_LIMIT} pages in a row brought no new rows "
        f"(last at offset {9 * paging.NO_PROGRESS_LIMIT + 10}, page size 10)"
    )  # pages 9 apart (one row of overlap); the last one ends 10 rows on


def test_a_walk_that_has_ended_takes_no_more_pages() -> None:
    walk: PageWalk[Row] = PageWalk(10)
    walk.take(0, _rows(3))
    assert walk.done
    with pytest.raises(RuntimeError, match=r"^the walk has ended$"):
        walk.take(3, [])


def test_a_page_at_the_start_after_every_earlier_row_went_is_taken() -> None:
    """Rows up to the cursor were all deleted: the first page now begins past the cursor.
    Nothing can be missed before the start of the list, so it is taken, not refused."""
    walk: PageWalk[Row] = PageWalk(10)
    walk.take(0, _rows(10))
    step = walk.take(0, [Row(i) for i in range(11, 21)])
    assert [r.id for r in step.rows] == list(range(11, 21))
    assert walk.refused == 0


@pytest.mark.parametrize(
    ("page_at", "next_offset"),
    [
        # The page's last row (position 498) lies before the refused offset 500: the
        # cursor is between them; the search goes on from there.
        (399, 498),
        # Its last row sits at the refused offset itself: rows were inserted and the
        # refusal no longer says where the cursor is: the walk continues past the page.
        (401, 499),
    ],
)
def test_a_full_page_of_old_rows_while_searching(page_at: int, next_offset: int) -> None:
    walk: PageWalk[Row] = PageWalk(100)  # overlap 2
    walk.take(0, _rows(100))
    walk.take(500, [Row(i) for i in range(601, 701)])  # begins past the cursor
    assert walk.next_offset() == 450
    step = walk.take(page_at, _rows(100))  # only rows at or before the cursor
    assert step.rows == []
    assert walk.next_offset() == next_offset


def test_a_page_of_many_interactions_keeps_each_tags_own_fields(
    sandbox: SandboxServer, client: SdxClient
) -> None:
    """Equal strings of a page share one object: each tag still has its own interaction,
    timestamps, key and value, as the server stores them."""
    survey_id = sandbox.store.survey_ids()[0]
    tags = client.list_tags(survey_id=survey_id, limit=200)
    assert len({t.interaction_id for t in tags}) > 1
    assert len({t.created_at for t in tags}) > 1
    for tag in tags:
        row = sandbox.store.get_tag_row(tag.id)
        assert row is not None
        got = (tag.interaction_id, tag.custom_key, tag.custom_value, tag.created_at, tag.updated_at)
        assert got == (
            row["interaction_id"],
            row["custom_key"],
            row["custom_value"],
            row["created_at"],
            row["updated_at"],
        )


@pytest.mark.parametrize("status", [200, 201])
def test_a_save_answered_without_a_body_returns_the_saved_tag(
    quiet: tuple[SandboxServer, SdxClient], status: int
) -> None:
    """The saved tag is looked up by its exact key among the interaction's others."""
    server, client = quiet
    survey_id = server.store.create_survey("Bare answers")
    interaction_id = server.store.create_interaction(survey_id)
    for key in ("alpha", "TIER", "zeta"):
        client.set_tag(interaction_id, key, f"{key} value")
    server.set_quirks(post_status=status, post_body="empty")
    tag = client.set_tag(interaction_id, "tier", "GOLD")
    assert (tag.interaction_id, tag.custom_key, tag.custom_value) == (
        interaction_id,
        "tier",
        "GOLD",
    )
    row = server.store.get_tag_row(tag.id)
    assert row is not None and (row["custom_key"], row["custom_value"]) == ("tier", "GOLD")


def test_a_tag_list_asks_for_a_hundred_rows_by_default(
    quiet: tuple[SandboxServer, SdxClient],
) -> None:
    server, client = quiet
    survey_id = server.store.survey_ids()[0]
    client.list_tags(survey_id=survey_id)
    assert _queries(server) == [
        ("GET", "/api/interaction_data", {"_limit": "100", "_offset": "0", "_order": "ASC",
                                          "survey_id": str(survey_id)}),
    ]  # fmt: skip


def test_a_tag_list_needs_a_survey_or_an_interaction(client: SdxClient) -> None:
    with pytest.raises(ValueError, match=r"^give survey_id or interaction_id$"):
        client.list_tags()


@pytest.mark.parametrize(
    ("old_page_at", "next_offset"),
    [
        (925, 949),  # the cursor lies in [934, 965): 31 rows, more than a page: halve
        (946, 955),  # in [955, 965): exactly a page: read it from its start
    ],
)
def test_the_cursor_search_halves_a_gap_wider_than_a_page(
    old_page_at: int, next_offset: int
) -> None:
    walk: PageWalk[Row] = PageWalk(10)
    walk.take(0, _rows(10))
    walk.take(965, [Row(i) for i in range(2000, 2010)])  # begins past the cursor
    walk.take(old_page_at, _rows(10))  # ends before it: the cursor lies in between
    assert walk.next_offset() == next_offset


def test_adjacent_duplicates_in_a_page_are_merged() -> None:
    walk: PageWalk[Row] = PageWalk(10)
    step = walk.take(0, [Row(1), Row(2), Row(2), Row(3)])
    assert [r.id for r in step.rows] == [1, 2, 3]


def test_a_page_out_of_order_is_refused_in_plain_words() -> None:
    walk: PageWalk[Row] = PageWalk(10, order="DESC")
    with pytest.raises(ProtocolError) as info:
        walk.take(0, [Row(5), Row(7), Row(6)])
    assert str(info.value).startswith(
        "Survey Dynamix sent a page of rows out of order, so the app cannot be sure the "
        "list is complete."
    )
    assert info.value.detail == "page not ordered by id DESC"


def test_an_enveloped_list_is_decoded() -> None:
    (tag,) = decode_list(b'{"data": [{"id": 1, "interaction_id": 2}]}', Tag, what="/x")
    assert (tag.id, tag.interaction_id) == (1, 2)


def test_a_list_that_is_not_json_names_the_decoders_reason() -> None:
    with pytest.raises(ProtocolError) as info:
        decode_list(b"[", Tag, what="/interaction_data")
    assert info.value.detail == (
        "/interaction_data answered with a body that is not JSON (Input data was truncated)"
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"page_size": 1}, "page_size must be at least 2 to overlap pages"),
        ({"page_size": 10, "order": "UP"}, "order must be ASC or DESC"),
        ({"page_size": 10, "overlap": 10}, "overlap must be 1 .. page_size - 1"),
        ({"page_size": 10, "overlap": 0}, "overlap must be 1 .. page_size - 1"),
    ],
)
def test_a_walk_set_up_wrongly_says_how(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        PageWalk(**arguments)
    assert str(info.value) == message
