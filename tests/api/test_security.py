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

UUID = "0b7e4b2c-5d1f-4c55-a9f3-1e2d3c4b5a69"
TOKEN = "s3cr3t-token-that-must-not-leak"


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


def test_credentials_never_in_errors_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    fast = RetryPolicy(attempts=1, backoff=0.0)
    faults: list[dict[str, object]] = [
        {},
        {"status_rates": {500: 1.0}},
        {"status_rates": {400: 1.0}},
        {"reset_rate": 1.0},
        {"timeout_rate": 1.0, "timeout_delay_s": 1.0},
        {"malformed_rate": 1.0, "malformed_kind": "html"},
    ]
    with SandboxServer.start(sample="none", basic=(UUID, TOKEN), bearer=TOKEN) as server:
        good = [BasicCredentials(UUID, TOKEN), TokenCredentials(TOKEN)]
        wrong = [BasicCredentials(UUID, TOKEN + "x"), TokenCredentials(TOKEN[:-1])]
        for creds in good + wrong:
            client = SdxClient(
                creds, base_url=server.base_url, retry=fast, timeouts=Timeouts(read=0.5)
            )
            texts += [repr(client), repr(creds), str(creds)]
            for fault in faults if creds in good else [{}]:
                server.clear_faults()
                server.set_faults(**fault)
                try:
                    client.list_surveys()
                except errors.SdxError as exc:
                    texts += [str(exc), exc.detail, repr(exc)]
            client.close()
    texts += [r.getMessage() for r in caplog.records]
    blob = "\n".join(texts)
    assert "HTTP 500" in blob and "HTTP 401" in blob  # the failures did happen
    assert TOKEN not in blob
    assert UUID not in blob
