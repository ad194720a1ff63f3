"""Secrets never leak; plain HTTP only to this computer; TLS always verified."""

from __future__ import annotations

import logging

import pytest

from sdx_desktop.api import errors
from sdx_desktop.api.auth import BasicCredentials, TokenCredentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.http import RetryPolicy, Timeouts
from sdx_desktop.api.urls import REGIONS
from sdx_desktop.sandbox import SandboxServer

from ..faults._leaks import LeakSearch

UUID = "0b7e4b2c-5d1f-4c55-a9f3-1e2d3c4b5a69"
#: "/", "+", '"', "&", "%", "<" change under URL-encoding and JSON/HTML escaping.
TOKEN = 's3cr3t/token+that"must&not%leak<x>'


@pytest.mark.parametrize(
    "url",
    [
        "http://surveydynamix.com/api",
        "http://10.0.0.8/api",
        "http://example.test/api",
        "ftp://x/api",
    ],
)
def test_plain_http_to_other_hosts_is_refused_before_connecting(url: str) -> None:
    with pytest.raises(errors.InsecureUrlError):
        SdxClient(TokenCredentials(TOKEN), base_url=url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:5/api", "http://localhost/api", "http://[::1]:8/api"]
)
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    SdxClient(TokenCredentials(TOKEN), base_url=url).close()


def test_regions_map_to_vendor_hosts() -> None:
    assert (
        SdxClient(TokenCredentials(TOKEN), region="us1").base_url == "https://surveydynamix.com/api"
    )
    assert (
        SdxClient(TokenCredentials(TOKEN), region="eu1").base_url
        == "https://eu1.surveydynamix.com/api"
    )
    assert set(REGIONS) == {"us1", "us2", "us3", "ca1", "eu1", "au1"}
    with pytest.raises(errors.InsecureUrlError):
        SdxClient(TokenCredentials(TOKEN), region="mars1")


def test_tls_verification_is_on(sandbox: SandboxServer) -> None:
    client = SdxClient(TokenCredentials(TOKEN), region="us1")
    assert client._session.verify is True


@pytest.mark.parametrize("style", ["json", "html", "text"])
def test_credentials_never_in_errors_reprs_or_logs(
    style: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The sandbox echoes every request (``Authorization`` included) into its errors, so
    the credentials really reach the client's error path; no piece of any form of them
    (raw, the Basic header's base64, URL-, JSON- or HTML-escaped) may come out."""
    caplog.set_level(logging.DEBUG)
    texts: dict[str, str] = {}
    bodies: list[str] = []
    fast = RetryPolicy(attempts=1, backoff=0.0)
    faults: list[dict[str, object]] = [
        {},
        {"status_rates": {500: 1.0}},
        {"status_rates": {400: 1.0}},
        {"status_rates": {409: 1.0}},
        {"reset_rate": 1.0},
        {"timeout_rate": 1.0, "timeout_delay_s": 1.0},
        {"malformed_rate": 1.0, "malformed_kind": "html"},
    ]
    good = [BasicCredentials(UUID, TOKEN), TokenCredentials(TOKEN)]
    wrong = [BasicCredentials(UUID, TOKEN + "x"), TokenCredentials(TOKEN[:-1])]
    search = LeakSearch(secret for creds in good + wrong for secret in creds.secrets)
    with SandboxServer.start(sample="none", basic=(UUID, TOKEN), bearer=TOKEN) as server:
        server.set_quirks(echo_request=True, error_body=style)
        for n, creds in enumerate(good + wrong):
            client = SdxClient(
                creds, base_url=server.base_url, retry=fast, timeouts=Timeouts(read=0.5)
            )
            # Tests only: what the server really answered, before any scrubbing.
            client._session.hooks["response"].append(
                lambda response, *args, **kwargs: bodies.append(response.text)
            )
            texts[f"{n}: reprs"] = f"{client!r} {client} {creds!r} {creds}"
            for fault in faults if creds in good else [{}]:
                server.clear_faults()
                server.set_faults(**fault)
                try:
                    client.get_survey(987654) if not fault else client.list_surveys()
                except errors.SdxError as exc:
                    texts[f"{n}: {fault}"] = f"{exc} | {exc.detail} | {exc!r} | {exc.args!r}"
            client.close()
    texts["log records"] = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records
    )
    blob = "\n".join(texts.values())
    assert "HTTP 500" in blob and "HTTP 401" in blob and "HTTP 404" in blob  # they happened
    # Not vacuous: the answers carried the credentials they were sent with, and the
    # echo reached the client's messages (scrubbed).
    assert sum(1 for body in bodies if search.pieces(body)) >= 4 * len(good) + len(wrong)
    assert "request was:" in blob and "Authorization: Basic ***" in blob
    assert search.found(texts) == {}
