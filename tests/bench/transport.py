"""What the whole-survey load is measured against: the transport alone, the client alone,
and the client's CPU per page; and what a bulk set is measured against: its POSTs sent
raw. No Qt here: each runs in a worker thread while the UI thread waits."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import msgspec
import requests
from requests.adapters import HTTPAdapter

from sdx_desktop.api.auth import BasicCredentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.models import Tag, decode_list, share_strings
from sdx_desktop.api.paging import PageWalk
from sdx_desktop.sandbox import DEMO_AUTH_TOKEN, DEMO_CUSTOMER_UUID

PAGE = 1000
IN_FLIGHT = 8


def planned_offsets(tags: int, page: int = PAGE) -> list[int]:
    """The offsets a continuity-checked walk of ``tags`` rows requests when nothing
    changes meanwhile: ``stride`` apart, up to and including the first short page."""
    stride = PageWalk(page).stride
    offsets = [0]
    while offsets[-1] + page <= tags:  # a full page: the walk asks for the next one
        offsets.append(offsets[-1] + stride)
    return offsets


@dataclass
class Floor:
    seconds: float
    pages: int
    bytes: int


def transport_floor(url: str, survey_id: int, offsets: list[int]) -> Floor:
    """The same pages as Load all, ``IN_FLIGHT`` at a time, bodies read but not parsed:
    what requests, HTTP and the server cost with no decoding, checking or UI at all."""
    session = requests.Session()
    session.trust_env = False  # loopback: no proxy, as the client does
    session.headers["Accept"] = "application/json"
    session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=IN_FLIGHT))
    auth = BasicCredentials(DEMO_CUSTOMER_UUID, DEMO_AUTH_TOKEN).requests_auth()

    def fetch(offset: int) -> int:
        params = {"_limit": PAGE, "_offset": offset, "_order": "ASC", "survey_id": survey_id}
        response = session.get(url + "/interaction_data", params=params, auth=auth, timeout=30)
        response.raise_for_status()
        return len(response.content)

    with session, ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="bench-floor") as pool:
        list(pool.map(fetch, offsets[:IN_FLIGHT]))  # connections open, as the client's are
        started = time.perf_counter()
        sizes = list(pool.map(fetch, offsets))
        elapsed = time.perf_counter() - started
    return Floor(elapsed, len(sizes), sum(sizes))


@dataclass
class ClientAlone:
    seconds: float
    tags: int
    requests: int
    refused: int


def client_alone(client: SdxClient, survey_id: int) -> ClientAlone:
    """``iter_tag_pages`` drained into a list: the client with no UI behind it."""
    walk: PageWalk[Tag] = PageWalk(PAGE)
    started = time.perf_counter()
    pages = list(client.iter_tag_pages(survey_id=survey_id, walk=walk))
    elapsed = time.perf_counter() - started
    return ClientAlone(elapsed, sum(map(len, pages)), walk.requests, walk.refused)


@dataclass
class PageCpu:
    #: Thread CPU of ``decode_list`` on one 1,000-tag page body, and of its two parts.
    decode_ms: float
    msgspec_ms: float
    share_ms: float
    #: A whole ``list_tags`` call of 1,000 tags: the process's CPU (watchdog thread and
    #: an idle UI thread included), and the calling thread's alone.
    call_process_ms: float
    call_thread_ms: float
    #: The same calls as bytes only (a plain requests.Session, as the floor): process CPU.
    bytes_process_ms: float
    body_kb: float


def _thread_ms(fn: object, repeats: int) -> float:
    assert callable(fn)
    fn()  # warm
    started = time.thread_time()
    for _ in range(repeats):
        fn()
    return (time.thread_time() - started) * 1000 / repeats


def client_cpu_per_page(
    client: SdxClient, url: str, survey_id: int, repeats: int = 300, calls: int = 30
) -> PageCpu:
    auth = BasicCredentials(DEMO_CUSTOMER_UUID, DEMO_AUTH_TOKEN).requests_auth()
    offsets = [k * PageWalk(PAGE).stride for k in range(calls)]
    with requests.Session() as session:
        session.trust_env = False

        def get(offset: int) -> bytes:
            params = {"_limit": PAGE, "_offset": offset, "_order": "ASC", "survey_id": survey_id}
            return session.get(
                url + "/interaction_data", params=params, auth=auth, timeout=30
            ).content

        body = get(50 * PAGE)
        started = time.process_time()
        for offset in offsets:
            get(offset)
        bytes_process_ms = (time.process_time() - started) * 1000 / calls
    records = decode_list(body, Tag)
    assert len(records) == PAGE, len(records)
    plain = msgspec.json.Decoder(list[Tag])
    decode_ms = _thread_ms(lambda: decode_list(body, Tag), repeats)
    msgspec_ms = _thread_ms(lambda: plain.decode(body), repeats)
    share_s = 0.0
    for _ in range(repeats):  # on fresh records: their strings are not hashed yet
        fresh = plain.decode(body)
        started = time.thread_time()
        share_strings(fresh)
        share_s += time.thread_time() - started
    share_ms = share_s * 1000 / repeats

    client.list_tags(survey_id=survey_id, limit=PAGE, offset=0)  # warm
    process_started, thread_started = time.process_time(), time.thread_time()
    for offset in offsets:
        client.list_tags(survey_id=survey_id, limit=PAGE, offset=offset, order="ASC")
    call_process_ms = (time.process_time() - process_started) * 1000 / calls
    call_thread_ms = (time.thread_time() - thread_started) * 1000 / calls
    return PageCpu(
        decode_ms,
        msgspec_ms,
        share_ms,
        call_process_ms,
        call_thread_ms,
        bytes_process_ms,
        len(body) / 1024,
    )


def post_floor(url: str, interaction_ids: list[int], key: str, value: str) -> float:
    """The POSTs of a bulk set, raw: one per interaction, ``IN_FLIGHT`` at a time, form
    fields as the client sends them, the answer read but not parsed. Seconds."""
    session = requests.Session()
    session.trust_env = False  # loopback: no proxy, as the client does
    session.headers["Accept"] = "application/json"
    session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=IN_FLIGHT))
    auth = BasicCredentials(DEMO_CUSTOMER_UUID, DEMO_AUTH_TOKEN).requests_auth()

    def post(interaction_id: int) -> int:
        data = {"interaction_id": str(interaction_id), "custom_key": key, "custom_value": value}
        response = session.post(url + "/interaction_data", data=data, auth=auth, timeout=30)
        response.raise_for_status()
        return len(response.content)

    def warm(_: int) -> int:
        response = session.get(url + "/surveys", params={"_limit": 1}, auth=auth, timeout=30)
        return len(response.content)

    with session, ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="bench-posts") as pool:
        list(pool.map(warm, range(IN_FLIGHT)))  # connections open, as the client's are
        started = time.perf_counter()
        sent = list(pool.map(post, interaction_ids))
        elapsed = time.perf_counter() - started
    assert len(sent) == len(interaction_ids)
    return elapsed
