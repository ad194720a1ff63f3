"""The command line: ``sdx-desktop export …`` and ``sdx-desktop import …``, for IT and
scheduled reports. The same engine as the window, without a window (no Qt import).

Credentials come from the environment (``SDX_CUSTOMER_UUID`` with ``SDX_AUTH_TOKEN``, or
``SDX_ACCESS_TOKEN``) or else from the sign-in the window remembered in the system's
password store; never from a flag, which would end up in shell history and process lists.
"""

from __future__ import annotations

import argparse
import atexit
import configparser
import json
import logging
import logging.handlers
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sdx_desktop import APP_NAME, __version__
from sdx_desktop.api.auth import BasicCredentials, Credentials, TokenCredentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.errors import CancelledError, NotFoundError, SdxError
from sdx_desktop.api.urls import REGIONS

OK, SOME_ROWS, USAGE, CONNECTION = 0, 1, 2, 3
ENV_UUID, ENV_AUTH_TOKEN, ENV_ACCESS_TOKEN = (
    "SDX_CUSTOMER_UUID",
    "SDX_AUTH_TOKEN",
    "SDX_ACCESS_TOKEN",
)
T = TypeVar("T")

log = logging.getLogger(__name__)

CONNECTION_HELP = f"""\
connection (one of; default: the region last used in the window, else us1):
  --base-url URL   a Survey Dynamix address, e.g. a practice server
  --region NAME    {", ".join(REGIONS)}
  --demo           the bundled practice server with sample data (nothing real changes)

sign-in, never on the command line:
  {ENV_UUID} and {ENV_AUTH_TOKEN}, or {ENV_ACCESS_TOKEN}, in the environment;
  else the sign-in remembered in this computer's password store by the window.

exit status:
  0  every row was applied, or already as wanted
  1  some rows were invalid or failed (the others were still applied, unless --dry-run)
  2  a usage error or an unreadable file (nothing written)
  3  sign-in or the connection failed
"""


class Failure(Exception):
    """Stop with a plain message and an exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sdx-desktop",
        description=f"{APP_NAME} on the command line: export tags to a spreadsheet, or "
        "import a spreadsheet of tags (shown first, never deleting anything).",
        epilog=CONNECTION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    export = commands.add_parser(
        "export",
        help="write the tags of a survey (or one interaction) to a CSV or Excel file",
        description="Write every tag of a survey, or of one of its interactions, to a CSV "
        "or Excel file. Long layout: one row per tag (Interaction ID, External ref, Key, "
        "Value, Updated). Wide layout: one row per interaction, one column per key.",
        epilog=CONNECTION_HELP + "\nexample:\n  sdx-desktop export --demo --survey 101 "
        "--layout wide -o tags.xlsx\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("--survey", type=_positive, required=True, metavar="ID")
    export.add_argument("--interaction", type=_positive, metavar="ID", help="only this one")
    export.add_argument("--layout", choices=("long", "wide"), default="long")
    export.add_argument(
        "--format", choices=("csv", "xlsx"), help="default: from the file name (.xlsx or .csv)"
    )
    export.add_argument("-o", "--output", required=True, metavar="FILE", type=Path)
    imp = commands.add_parser(
        "import",
        help="set tags from a CSV or Excel file (shows what changes; never deletes)",
        description="Set tags from a CSV, tab-separated text or Excel file, in the long "
        "layout (Interaction ID, Key, Value) or the wide one (Interaction ID and one column "
        "per key). Every row is checked against Survey Dynamix first; rows with problems "
        "are reported and skipped. An empty cell leaves a tag as it is: nothing is deleted.",
        epilog=CONNECTION_HELP + "\nexample:\n  sdx-desktop import --demo tags.csv "
        "--survey 101 --dry-run\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--survey", type=_positive, required=True, metavar="ID")
    imp.add_argument("--dry-run", action="store_true", help="only show what would change")
    imp.add_argument("--sheet", help="the sheet of a workbook to read (default: the first)")
    imp.add_argument("--delimiter", choices=(",", ";", "tab"), help="default: detected")
    imp.add_argument("--encoding", help="text encoding of a CSV file (default: detected)")
    imp.add_argument(
        "--results", type=Path, metavar="FILE", help="also save the result of every row (CSV)"
    )
    for sub in (export, imp):
        where = sub.add_argument_group("connection").add_mutually_exclusive_group()
        where.add_argument("--base-url", metavar="URL")
        where.add_argument("--region", choices=tuple(REGIONS), type=str.lower)
        where.add_argument("--demo", action="store_true")
        sub.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    return parser


def _positive(text: str) -> int:
    if not text.strip().isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"expected a number such as 101, not {text!r}")
    return int(text)


# --- output -----------------------------------------------------------------------------


class Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.live = sys.stderr.isatty()
        self._progress_shown = False

    def progress(self, text: str) -> None:
        """A line that replaces itself, on stderr, only when that is a terminal."""
        if self.live:
            sys.stderr.write("\r\x1b[K" + text)
            sys.stderr.flush()
            self._progress_shown = True

    def end_progress(self) -> None:
        if self._progress_shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self._progress_shown = False

    def say(self, text: str) -> None:
        """For people: stdout, or stderr when stdout carries JSON."""
        self.end_progress()
        print(text, file=sys.stderr if self.as_json else sys.stdout, flush=True)

    def warn(self, text: str) -> None:
        self.end_progress()
        print(f"sdx-desktop: {text}", file=sys.stderr, flush=True)

    def result(self, data: dict[str, Any]) -> None:
        if self.as_json:
            self.end_progress()
            print(json.dumps(data, ensure_ascii=False), flush=True)


# --- connecting -------------------------------------------------------------------------


@dataclass
class Connection:
    client: SdxClient
    credentials: Credentials
    demo_server: Any = None
    demo_dir: tempfile.TemporaryDirectory[str] | None = None

    def journal_path(self) -> Path | None:
        """The demo journals into a folder of its own that goes with it (like the window)."""
        if self.demo_dir is None:
            return None
        return Path(self.demo_dir.name) / "journal.sqlite3"

    def close(self) -> None:
        self.client.close()
        if self.demo_server is not None or self.demo_dir is not None:
            # At exit, after the client's last speculative page requests (threads the
            # interpreter waits for) are answered: a stopped server would make them retry.
            atexit.register(self._stop_demo)

    def _stop_demo(self) -> None:
        if self.demo_server is not None:
            self.demo_server.stop()
        if self.demo_dir is not None:
            self.demo_dir.cleanup()


def last_location() -> str:
    """The region or address last used in the window (its settings file is plain INI)."""
    from sdx_desktop.paths import config_dir

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(config_dir() / "settings.ini", encoding="utf-8")
        value = parser.get("signin", "location", fallback="").strip().strip('"')
    except (configparser.Error, OSError, UnicodeError):
        value = ""
    return value or "us1"


def credentials_from_environment() -> Credentials | None:
    uuid, token = os.environ.get(ENV_UUID, ""), os.environ.get(ENV_AUTH_TOKEN, "")
    access = os.environ.get(ENV_ACCESS_TOKEN, "")
    if uuid or token:
        if not (uuid and token):
            missing = ENV_AUTH_TOKEN if uuid else ENV_UUID
            raise Failure(
                f"{missing} is not set (it goes with {ENV_UUID}/{ENV_AUTH_TOKEN}).", USAGE
            )
        return BasicCredentials(uuid.strip(), token.strip())
    if access:
        return TokenCredentials(access.strip())
    return None


def connect(args: argparse.Namespace) -> Connection:
    if args.demo:
        from sdx_desktop.sandbox import DEMO_AUTH_TOKEN, DEMO_CUSTOMER_UUID, SandboxServer

        server = SandboxServer.start(sample="small")
        credentials: Credentials = BasicCredentials(DEMO_CUSTOMER_UUID, DEMO_AUTH_TOKEN)
        folder = tempfile.TemporaryDirectory(prefix="sdx-demo-journal-")
        client = SdxClient(credentials, base_url=server.base_url)
        return Connection(client, credentials, server, folder)
    location = args.base_url or args.region or last_location()
    found = credentials_from_environment()
    if found is None:
        from sdx_desktop.credentials import CredentialStore

        found = CredentialStore().recall_last(location)
    if found is None:
        raise Failure(
            f"No sign-in details: set {ENV_UUID} and {ENV_AUTH_TOKEN} (or {ENV_ACCESS_TOKEN}) "
            f"in the environment, or sign in once in the window at {location} with "
            "“Remember on this computer”.",
            CONNECTION,
        )
    try:
        if location.lower().startswith(("http://", "https://")):
            client = SdxClient(found, base_url=location)
        else:
            client = SdxClient(found, region=location)
    except SdxError as error:
        status = USAGE if args.base_url or args.region else CONNECTION
        raise Failure(str(error), status) from None
    return Connection(client, found)


def check_survey(client: SdxClient, survey_id: int) -> None:
    try:
        client.get_survey(survey_id)
    except NotFoundError:
        raise Failure(f"There is no survey {survey_id} on {client.base_url}.", USAGE) from None


# --- running ----------------------------------------------------------------------------


def cancellable(work: Callable[[threading.Event], T]) -> T:
    """Run ``work(cancel)`` in a worker thread; Ctrl+C sets ``cancel`` (requests in
    flight finish, no new one starts) instead of killing the job half-way."""
    cancel = threading.Event()
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work(cancel)
        except BaseException as error:  # handed to the main thread
            outcome["error"] = error

    worker = threading.Thread(target=target, name="sdx-cli-job", daemon=True)
    worker.start()
    while worker.is_alive():
        try:
            worker.join(0.2)
        except KeyboardInterrupt:
            cancel.set()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


@contextmanager
def log_file() -> Iterator[None]:
    """Log to the app's log file (as the window does), never to the terminal."""
    from sdx_desktop.paths import log_dir

    root = logging.getLogger()
    try:
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_dir() / "sdx-desktop.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.close()


def ensure_console() -> None:
    """A windowed Windows build has no stdout/stderr: write to the console it was started
    from (``start /wait sdx-desktop.exe export …``), else nowhere rather than fail."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    if sys.platform == "win32":
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
            sys.stdout = sys.stdout or open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115
            sys.stderr = sys.stderr or open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115
            return
    sys.stdout = sys.stdout or open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    sys.stderr = sys.stderr or open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


def main(argv: list[str]) -> int:
    ensure_console()
    args = build_parser().parse_args(argv)
    out = Output(args.json)
    with log_file():
        log.info("%s %s: %s", APP_NAME, __version__, args.command)
        try:
            return (run_export if args.command == "export" else run_import)(args, out)
        except Failure as failure:
            return _fail(out, str(failure), failure.status)
        except CancelledError:
            return _fail(out, "Stopped.", SOME_ROWS)
        except SdxError as error:
            return _fail(out, str(error), CONNECTION)


def run_export(args: argparse.Namespace, out: Output) -> int:
    from sdx_desktop.exchange import ExchangeError, export_from_server, format_for

    fmt = args.format or format_for(args.output)
    connection = connect(args)
    try:
        check_survey(connection.client, args.survey)
        out.progress("Exporting…")

        def work(cancel: threading.Event) -> Any:
            return export_from_server(
                connection.client, args.output, survey_id=args.survey,
                interaction_id=args.interaction, layout=args.layout, fmt=fmt,
                progress=lambda n: out.progress(f"Exporting… {n:,} tags"), cancel=cancel,
            )  # fmt: skip

        try:
            summary = cancellable(work)
        except ExchangeError as error:
            raise Failure(str(error), USAGE) from None
    finally:
        connection.close()
    out.say(
        f"Wrote {summary.tags:,} tags in {summary.rows:,} rows ({summary.layout} layout) "
        f"to {summary.path}"
    )
    result: dict[str, Any] = {
        "rows": summary.rows, "tags": summary.tags, "file": str(summary.path.resolve()),
    }  # fmt: skip
    if summary.too_long:
        out.warn(summary.warning())
        result["cut_rows"] = summary.too_long_rows
    out.result(result)
    return SOME_ROWS if summary.too_long else OK


def run_import(args: argparse.Namespace, out: Output) -> int:
    from sdx_desktop.domain.history import JournalRecorder
    from sdx_desktop.domain.operations import apply, preview
    from sdx_desktop.exchange import (
        ExchangeError,
        import_counts,
        plan_import,
        read_interactions,
        read_table,
        write_results,
    )  # fmt: skip
    from sdx_desktop.exchange.remote import first_problems
    from sdx_desktop.journal import Journal, Where, account_fingerprint

    delimiter = "\t" if args.delimiter == "tab" else args.delimiter
    try:  # the file first: an unreadable file never needs a connection
        table = read_table(args.file, sheet=args.sheet, delimiter=delimiter, encoding=args.encoding)
    except ExchangeError as error:
        raise Failure(f"{args.file}: {error}", USAGE) from None
    out.say(f"Read {args.file.name}: {table.description()}.")
    connection = connect(args)
    client = connection.client
    try:
        check_survey(client, args.survey)
        out.progress("Reading the survey…")
        interactions = cancellable(lambda c: read_interactions(client, args.survey, c))
        try:
            plan = plan_import(table, args.survey, interactions, source_name=args.file.name)
        except ExchangeError as error:
            raise Failure(f"{args.file}: {error}", USAGE) from None
        out.progress(f"Checking {len(plan.plan):,} values against Survey Dynamix…")
        checked = cancellable(lambda c: preview(client, plan.plan, cancel=c))
        report = None
        if not args.dry_run and checked.writes:
            identity = connection.credentials.secrets[0]  # the UUID, or the token
            where = Where(account_fingerprint(identity, client.base_url), client.base_url)
            with Journal(connection.journal_path()) as journal:
                recorder = JournalRecorder(journal, where)
                report = cancellable(
                    lambda c: apply(
                        client, checked, journal=recorder, cancel=c,
                        progress=lambda n, total: out.progress(f"Writing {n:,} of {total:,}"),
                    )
                )  # fmt: skip
    finally:
        connection.close()
    counts = import_counts(plan, checked, report)
    if args.results is not None:
        out.say(f"Results of every row: {write_results(args.results, plan, checked, report)}")
    for line in first_problems(plan, checked):
        out.say(line)
    if report is not None:
        for r in report.unfinished[:10]:
            row = plan.sources[r.index].row
            out.say(f"Row {row}: not saved ({r.row.key} on #{r.row.interaction_id}): {r.message}")
    head = "Dry run, nothing written. It would be:" if args.dry_run else "Done:"
    numbers = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counts.as_dict().items())
    out.say(f"{head} {numbers}.")
    out.result(counts.as_dict())
    return OK if counts.all_fine else SOME_ROWS


def _fail(out: Output, message: str, status: int) -> int:
    out.warn(message)
    out.result({"error": message, "exit": status})
    return status
