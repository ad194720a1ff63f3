"""Names vulture must count as used: ``vulture sdx_desktop .ci/vulture_whitelist.py``
(as .ci/run runs it). vulture reads this file, nobody runs it.

vulture finds code nothing in ``sdx_desktop/`` uses. Each name below is used all the
same, by something vulture cannot see (Qt calling an override, a library reading an
attribute, the tests and benchmarks using a public surface), and says so. A new finding
is either dead (delete it) or one of these kinds (add it here, in its section, with the
reason). Names match everywhere: ``_.eventFilter`` covers every ``eventFilter``.
"""

# ruff: noqa: B018
from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# --- Qt calls these by name (virtual overrides) -------------------------------------------
_.eventFilter
_.headerData
_.filterAcceptsRow
_.lessThan
_.canFetchMore
_.fetchMore
_.flags
_.setData
_.sizeHint
_.minimumSizeHint
_.paint
_.closeEvent
_.changeEvent
_.showEvent
_.hideEvent
_.keyPressEvent
_.focusInEvent
_.focusOutEvent
_.resizeEvent
_.contextMenuEvent

# --- column numbers of a table model (given by position, named for reading) ---------------
_.REF
_.AGENT
_.TYPE
_.STATUS

# --- libraries read these (attributes and hooks this code sets or overrides) --------------
_.pool_classes_by_scheme  # urllib3 PoolManager: the deadline-aware pools (api/http.py)
_.ConnectionCls  # urllib3 connection pools (api/deadline.py)
_.trust_env  # requests.Session
_.verify  # requests.Session
_._content  # requests.Response: the body read once, under the size cap
_.compress_type  # zipfile.ZipInfo (exchange/xlsx_writer.py)
_.row_factory  # sqlite3.Connection (sandbox/db.py)
_.regex  # werkzeug BaseConverter (sandbox/app.py)
_.to_python  # werkzeug BaseConverter
_.to_url  # werkzeug BaseConverter
_.connection_dropped  # werkzeug request handler (sandbox/server.py)
_.close_connection  # http.server request handler
_.__getattr__  # module __getattr__ (PEP 562): lazy imports in sandbox/__init__.py
_.__new__  # a class that builds its instance (tools/screenshots.py)
_.exc_type  # the signature of __exit__
_.signum  # the signature of a signal handler
_.frame  # the signature of a signal handler

# --- the API's records: every documented field is decoded, whether shown or not -----------
_.greeting_text
_.instructions_text
_.closing_text
_.email_subject
_.email_from_address
_.email_from_name
_.greeting_sound_file
_.instructions_sound_file
_.closing_sound_file
_.inbound_number
_.outbound_number
_.sms_number
_.scheduled_at
_.call_type
_.web_link

# --- a dialog or menu kept on its owner: alive while open, and found there by tests -------
_.preview_dialog
_.input_dialog
_.recovery_dialog
_.context_menu
_.export_dialog
_.import_dialog
_.find_action
_.quit_action
_.tag_state

# --- surfaces the tests and benchmarks use ----------------------------------------------
_.get_tag  # SdxClient: the tests' view of the server through the real client
_.iter_all_tags  # SdxClient
_.refused  # PageWalk: pages refused, for the paging tests and the benchmarks
_.set_quirks  # SandboxServer: the test server's switches and counters
_.clear_quirks
_.request_count
_.request_log
_.reset_request_count
_.tag_ids  # sandbox Store: test set-up and checks
_.bulk_create_tags
_.applying  # PreviewDialog: tests wait until sending stops
_.current_interaction  # InteractionPicker: benchmarks
_.load_all_walk  # TagTableModel: benchmarks read the walk's figures
_.dark_palette  # tools/palettes.py: the contrast test and screenshots
_.light_palette

