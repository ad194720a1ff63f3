"""Broken-server switches, observed over real HTTP: echoed requests, bare 503s, 404 for
deleted tags, a token without rights, ignored offsets, duplicated rows, trickled bodies."""

from __future__ import annotations

import base64
import html
import logging
import random
import socket
import threading
import time
from typing import Any

import pytest
import requests

from sdx_desktop.sandbox import DEMO_ACCESS_TOKEN, Faults, Quirks, SandboxServer
from sdx_desktop.sandbox.faults import FaultInjector

from .conftest import TIMEOUT, Api, error_of, seed_tags

NO_RIGHTS = "token-without-rights-1234"


def _basic_header(server: SandboxServer) -> str:
    assert server.basic is not None
    return "Basic " + base64.b64encode(":".join(server.basic).encode()).decode()


def _ids(rows: list[dict[str, Any]]) -> list[int]:
    return [row["id"] for row in rows]


# -- echo_request ----------------------------------------------------------------------


def test_echo_is_off_by_default(empty: SandboxServer, eapi: Api) -> None:
    message = error_of(eapi.get("/surveys", {"_limit": "0"}))["message"]
    assert "request was" not in message and "Authorization" not in message


def test_echo_request_puts_the_request_into_every_json_error(
    empty: SandboxServer, eapi: Api
) -> None:
    empty.set_quirks(echo_request=True)
    empty.forbidden_bearer = NO_RIGHTS
    basic = _basic_header(empty)
    probe = {"X-Probe": "probe-1"}
    wrong = "Basic " + base64.b64encode(b"someone:wrong-secret").decode()
    cases = [
        (eapi.get("/surveys?_limit=0&q=a%20b", headers=probe), 400, basic,
         "GET /api/surveys?_limit=0&q=a%20b;"),
        (eapi.get("/surveys/987654", headers=probe), 404, basic, "GET /api/surveys/987654;"),
        (eapi.request("PUT", "/surveys", headers=probe), 405, basic, "PUT /api/surveys;"),
        (requests.get(eapi.url("/surveys?x=1"), headers={**probe, "Authorization": wrong},
                      timeout=TIMEOUT), 401, wrong, "GET /api/surveys?x=1;"),
        (requests.delete(eapi.url("/interaction_data/5"),
                         headers={**probe, "Authorization": f"Bearer {NO_RIGHTS}"},
                         timeout=TIMEOUT), 403, f"Bearer {NO_RIGHTS}",
         "DELETE /api/interaction_data/5;"),
    ]  # fmt: skip
    for response, status, authorization, line in cases:
        assert response.status_code == status
        message = error_of(response)["message"]
        assert f"(request was: {line} headers: " in message, message
        assert f"Authorization: {authorization}" in message  # verbatim, secret and all
        assert "X-Probe: probe-1" in message and "User-Agent: python-requests/" in message
    empty.set_faults(status_rates={503: 1.0})
    message = error_of(eapi.get("/surveys"))["message"]
    assert message.startswith("Offline for maintenance") and f"Authorization: {basic}" in message
    empty.clear_faults()
    assert eapi.get("/surveys").status_code == 204  # successes are untouched


@pytest.mark.parametrize("style", ["html", "text"])
def test_echo_request_in_html_and_text_errors(empty: SandboxServer, eapi: Api, style: str) -> None:
    empty.set_quirks(echo_request=True, error_body=style)
    response = eapi.get("/surveys?_limit=0&b=%3Cx%3E", headers={"X-Probe": "<b>&"})
    assert response.status_code == 400
    text = html.unescape(response.text) if style == "html" else response.text
    assert "request was: GET /api/surveys?_limit=0&b=%3Cx%3E;" in text  # raw, not decoded
    assert f"Authorization: {_basic_header(empty)}" in text and "X-Probe: <b>&" in text
    if style == "html":
        assert "<b>" not in response.text  # escaped, not injected into the page


# -- Retry-After on injected statuses ----------------------------------------------------


def test_retry_after_statuses_choose_which_faults_carry_it(empty: SandboxServer, eapi: Api) -> None:
    empty.set_faults(status_rates={503: 1.0}, retry_after_statuses=frozenset())
    bare = eapi.get("/surveys")
    assert bare.status_code == 503 and "Retry-After" not in bare.headers
    error_of(bare)
    empty.set_faults(status_rates={429: 1.0}, retry_after_statuses={503})
    assert empty.faults.retry_after_statuses == frozenset({503})
    assert "Retry-After" not in eapi.get("/surveys").headers
    empty.set_faults(status_rates={500: 1.0}, retry_after_statuses={500, 503}, retry_after=3)
    assert eapi.get("/surveys").headers["Retry-After"] == "3"
    assert Faults().retry_after_statuses == frozenset({429, 503})


# -- deleted_status ------------------------------------------------------------------------


def test_deleted_status_404_hides_the_difference_from_unknown(
    empty: SandboxServer, eapi: Api
) -> None:
    _, interaction_id = seed_tags(empty)
    tag = eapi.set_tag(interaction_id, "doomed", "yes")
    assert eapi.delete(f"/interaction_data/{tag['id']}").status_code == 204
    assert eapi.get(f"/interaction_data/{tag['id']}").status_code == 410
    empty.set_quirks(deleted_status=404)
    for response in (eapi.get(f"/interaction_data/{tag['id']}"),
                     eapi.delete(f"/interaction_data/{tag['id']}")):  # fmt: skip
        assert response.status_code == 404
        assert "not found" in error_of(response)["message"]
    assert eapi.get("/interaction_data/987654321").status_code == 404
    live = eapi.set_tag(interaction_id, "alive", "yes")
    assert eapi.get(f"/interaction_data/{live['id']}").json() == live


# -- forbidden_bearer ----------------------------------------------------------------------


def _as(server: SandboxServer, token: str, method: str, path: str, **kw: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(method, server.base_url + path, headers=headers, timeout=TIMEOUT, **kw)


def test_a_forbidden_bearer_is_403_everywhere_and_changes_nothing() -> None:
    with SandboxServer.start(sample="none", forbidden_bearer=NO_RIGHTS) as server:
        survey_id, interaction_id = seed_tags(server)
        before = server.store.live_tags(interaction_id)
        fields = {"interaction_id": interaction_id, "custom_key": "x", "custom_value": "y"}
        tag_id = min(server.store.tag_ids(interaction_id=interaction_id))
        for method, path, kw in (
            ("GET", "/surveys", {}), ("GET", f"/surveys/{survey_id}", {}),
            ("GET", "/interactions", {"params": {"survey_id": survey_id}}),
            ("GET", f"/interaction_data/{tag_id}", {}), ("POST", "/interaction_data",
            {"data": fields}), ("DELETE", f"/interaction_data/{tag_id}", {}),
            ("GET", "/nope", {}), ("PUT", "/surveys", {}),
        ):  # fmt: skip
            response = _as(server, NO_RIGHTS, method, path, **kw)
            assert response.status_code == 403, (method, path)
            message = error_of(response)["message"]
            assert message == f"This token has no access to /api{path}."
            assert NO_RIGHTS not in response.text
        assert server.store.live_tags(interaction_id) == before
        assert server.store.tag_ids(interaction_id=interaction_id) >= {tag_id}
        assert _as(server, DEMO_ACCESS_TOKEN, "GET", "/surveys").status_code == 200
        assert requests.get(server.base_url + "/surveys", timeout=TIMEOUT).status_code == 401


def test_the_forbidden_bearer_can_be_set_while_running(empty: SandboxServer, eapi: Api) -> None:
    assert empty.forbidden_bearer is None
    assert _as(empty, NO_RIGHTS, "GET", "/surveys").status_code == 401
    empty.forbidden_bearer = NO_RIGHTS
    assert _as(empty, NO_RIGHTS, "GET", "/surveys").status_code == 403
    assert _as(empty, NO_RIGHTS + "x", "GET", "/surveys").status_code == 401
    assert _as(empty, DEMO_ACCESS_TOKEN, "GET", "/surveys").status_code == 204
    assert eapi.get("/surveys").status_code == 204  # Basic is unaffected
    empty.set_faults(status_rates={503: 1.0})
    assert _as(empty, NO_RIGHTS, "GET", "/surveys").status_code == 403  # before faults
    empty.forbidden_bearer = None
    assert _as(empty, NO_RIGHTS, "GET", "/surveys").status_code == 401
    for bad in ("", " padded", "two words", DEMO_ACCESS_TOKEN):
        with pytest.raises(ValueError):
            empty.forbidden_bearer = bad
    with pytest.raises(ValueError):
        SandboxServer.start(sample="none", forbidden_bearer=DEMO_ACCESS_TOKEN)
    assert empty.forbidden_bearer is None


# -- ignore_offset -------------------------------------------------------------------------


def test_ignore_offset_serves_the_first_page_forever(empty: SandboxServer, eapi: Api) -> None:
    survey_id, _ = seed_tags(empty, 30)
    tags = f"/surveys/{survey_id}/interaction_data"
    first = eapi.rows(tags, _limit=10, _order="ASC")
    second = eapi.rows(tags, _limit=10, _order="ASC", _offset=10)
    assert set(_ids(first)).isdisjoint(_ids(second))
    empty.set_quirks(ignore_offset=True)
    for offset in (10, 20, 30, 1000):
        assert eapi.rows(tags, _limit=10, _order="ASC", _offset=offset) == first
    empty.set_quirks(extra_fields=True)  # the row-by-row path, not SQLite's JSON
    assert _ids(eapi.rows(tags, _limit=10, _order="ASC", _offset=10)) == _ids(first)
    listed = f"/surveys/{survey_id}/interactions"
    assert eapi.rows(listed, _limit=1, _offset=2) == eapi.rows(listed, _limit=1)
    assert eapi.rows("/surveys", _offset=1) == eapi.rows("/surveys")
    assert eapi.get(tags, {"_offset": "-1"}).status_code == 400  # still validated


# -- duplicate_rows ------------------------------------------------------------------------


def test_duplicate_rows_repeat_the_first_record_at_the_end(empty: SandboxServer, eapi: Api) -> None:
    survey_id, _ = seed_tags(empty, 25)
    tags = f"/surveys/{survey_id}/interaction_data"
    plain = [eapi.rows(tags, _limit=10, _order="ASC", _offset=o) for o in (0, 10, 20)]
    empty.set_quirks(duplicate_rows=True)
    for offset, expected in zip((0, 10, 20), plain, strict=True):
        page = eapi.rows(tags, _limit=10, _order="ASC", _offset=offset)
        assert page == [*expected, expected[0]]
    assert len(eapi.rows(tags, _limit=10)) == 11  # one more than _limit
    assert eapi.get(tags, {"_offset": 25}).status_code == 204  # empty stays empty
    interactions = eapi.rows(f"/surveys/{survey_id}/interactions", _include_data="true")
    assert interactions[-1] == interactions[0]
    nested = _ids(interactions[0]["interaction_data"])
    assert nested and len(set(nested)) == len(nested)  # nested tags are not a page
    surveys = eapi.rows("/surveys")
    assert _ids(surveys) == [survey_id, survey_id]


# -- trickled bodies -----------------------------------------------------------------------


def _raw_get(server: SandboxServer, path: str) -> socket.socket:
    conn = socket.create_connection((server.host, server.port), timeout=TIMEOUT)
    conn.sendall(
        f"GET /api{path} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
        f"Authorization: {_basic_header(server)}\r\n\r\n".encode()
    )
    return conn


def _read_all(conn: socket.socket) -> bytes:
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
    return data


def _chunks(body: bytes) -> list[bytes]:
    """The chunks of a complete chunked body (the final empty one included)."""
    chunks = []
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        chunks.append(body[:size])
        assert body[size : size + 2] == b"\r\n"
        body = body[size + 2 :]
        if size == 0:
            assert body == b""
            return chunks


def test_a_trickled_body_arrives_one_byte_at_a_time(empty: SandboxServer, eapi: Api) -> None:
    _, interaction_id = seed_tags(empty, 10)
    tag = eapi.rows("/interaction_data", interaction_id=interaction_id)[0]
    whole = {path: eapi.get(path).content for path in (f"/interaction_data/{tag['id']}",
                                                       "/surveys/987654")}  # fmt: skip
    empty.reset_request_count()
    empty.set_faults(trickle_rate=1.0, trickle_interval_s=0.004)
    for path, body in whole.items():
        started = time.monotonic()
        with _raw_get(empty, path) as conn:
            head, _, chunked = _read_all(conn).partition(b"\r\n\r\n")
        assert time.monotonic() - started >= 0.004 * (len(body) - 1)
        headers = head.decode("latin-1").lower()
        assert "transfer-encoding: chunked" in headers and "content-length" not in headers
        chunks = _chunks(chunked)
        assert chunks[-1] == b"" and {len(c) for c in chunks[:-1]} == {1}
        assert b"".join(chunks) == body
    response = eapi.get(f"/interaction_data/{tag['id']}")  # an ordinary client is fine
    assert response.status_code == 200 and response.json() == tag
    assert empty.request_count == 3  # trickled answers are counted like any other
    assert empty.request_log[0] == ("GET", f"/api/interaction_data/{tag['id']}", "")
    bare = empty.store.create_survey("No interactions")
    assert eapi.get(f"/surveys/{bare}/interactions").status_code == 204  # nothing to trickle


def test_trickling_follows_the_method_filter(empty: SandboxServer, eapi: Api) -> None:
    empty.set_faults(trickle_rate=1.0, trickle_interval_s=0.001, methods=frozenset({"POST"}))
    assert "Content-Length" in eapi.get("/surveys/987654").headers
    response = eapi.post(data={"interaction_id": "x"})
    assert response.status_code == 400 and "Content-Length" not in response.headers
    error_of(response)


def _wait_for(condition: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _assert_quiet(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "Traceback" not in capfd.readouterr().err


def test_trickling_stops_when_the_client_goes(
    empty: SandboxServer, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    empty.set_faults(trickle_rate=1.0, trickle_interval_s=0.2)  # ~12 s for the whole body
    conn = _raw_get(empty, "/surveys/987654")
    received = b""
    while received.count(b"\r\n1\r\n") < 3:  # the headers and a few one-byte chunks
        piece = conn.recv(100)
        assert piece, received
        received += piece
    assert empty.trickling == 1
    started = time.monotonic()
    conn.close()
    assert _wait_for(lambda: empty.trickling == 0)
    assert time.monotonic() - started < 2.0  # a write or two after the client left
    _assert_quiet(caplog, capfd)


def test_stopping_cuts_a_trickle_short_without_finishing_the_body(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    server = SandboxServer.start(
        sample="none", faults=Faults(trickle_rate=1.0, trickle_interval_s=0.2)
    )
    whole_length = len(b'{"error":{"status":404,"message":"Survey 987654 not found."}}')
    response = Api(server).get("/surveys/987654", stream=True)
    assert response.status_code == 404
    stopper = threading.Timer(0.5, server.stop)
    stopper.start()
    started = time.monotonic()
    received = b""
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        for piece in response.iter_content(1):
            received += piece
    stopper.join()
    assert time.monotonic() - started < 3.0
    assert 0 < len(received) < whole_length
    assert _wait_for(lambda: server.trickling == 0)
    _assert_quiet(caplog, capfd)


def test_trickle_draws_do_not_move_the_other_faults() -> None:
    plain = FaultInjector(Faults(status_rates={503: 0.3}, seed=11))
    trickly = FaultInjector(Faults(status_rates={503: 0.3}, trickle_rate=0.5, seed=11))
    first = [plain.plan("GET") for _ in range(60)]
    second = [trickly.plan("GET") for _ in range(60)]
    assert [p.status for p in first] == [p.status for p in second]
    # Seeds give the same faults as before trickling existed: five draws per request.
    rng = random.Random(11)
    before = [503 if [rng.random() for _ in range(5)][1] < 0.3 else None for _ in range(60)]
    assert [p.status for p in second] == before
    assert {p.trickle_s for p in first} == {None}
    assert {p.trickle_s for p in second} == {None, 0.1}
    trickly.update(seed=11)
    assert [trickly.plan("GET").trickle_s for _ in range(60)] == [p.trickle_s for p in second]


# -- validation --------------------------------------------------------------------------


def test_new_settings_are_validated(empty: SandboxServer) -> None:
    for bad_faults in ({"retry_after_statuses": {200}}, {"retry_after_statuses": {503, 600}},
                       {"trickle_rate": 1.5}, {"trickle_rate": -0.1},
                       {"trickle_interval_s": -1.0}):  # fmt: skip
        with pytest.raises(ValueError):
            Faults(**bad_faults)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            empty.set_faults(**bad_faults)
    for bad_quirks in ({"deleted_status": 409}, {"deleted_status": 200}):
        with pytest.raises(ValueError):
            Quirks(**bad_quirks)  # type: ignore[arg-type]
    assert Quirks().deleted_status == 410 and not Quirks().echo_request
    assert empty.faults == Faults() and empty.quirks == Quirks()
