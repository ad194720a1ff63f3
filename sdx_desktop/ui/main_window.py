"""The main window: pickers on the left, the tag table in the centre."""

from __future__ import annotations

import html
import itertools

from PySide6.QtCore import QByteArray, QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from sdx_desktop import APP_NAME
from sdx_desktop.api.models import Interaction, Survey, Tag
from sdx_desktop.domain.operations import JobJournal
from sdx_desktop.settings import Settings

from . import drafts
from .changes import Changes
from .colours import NOTICE, tint
from .exchange_actions import ExchangeActions
from .help import AboutDialog, HelpDialog, open_log_folder, show_about, show_help
from .icons import icon, retheme
from .interaction_picker import ALL_INTERACTIONS, InteractionPicker
from .layout import named
from .pickers import SurveyPicker
from .session import ClientProxy
from .tag_dialog import TagDialog
from .tag_editing import TagEditing
from .tag_model import TagFilterProxy, TagTableModel
from .tag_panel import TagPanel
from .tasks import TaskRunner
from .window_actions import WindowActions
from .wording import interaction_label


class MainWindow(QMainWindow):
    signOutRequested = Signal()
    closed = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        api: ClientProxy,
        settings: Settings,
        *,
        account_label: str = "",
        demo: bool = False,
        connect: bool = True,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.runner = runner
        self.api = api
        self.settings = settings
        self.demo = demo
        self.survey: Survey | None = None
        self.interaction: Interaction | None = None
        #: Where every write is journalled (set once signed in).
        self.recorder: JobJournal | None = None
        self._restore_survey_id = settings.last_survey_id
        self._set_title(account_label)
        self.setWindowIcon(icon("sdx-desktop"))

        self.surveys = SurveyPicker(runner, self)
        self.interactions = InteractionPicker(runner, page_size=settings.page_size, parent=self)
        self.tags = TagTableModel(runner, page_size=settings.page_size, parent=self)
        self.tag_proxy = TagFilterProxy(self)
        self.tag_proxy.setSourceModel(self.tags)
        self.editing = TagEditing(self)
        self.tag_dialog: TagDialog | None = None
        self._build_tag_panel()
        self._build_layout()
        self._build_actions()
        self._build_status_bar()
        self.changes = Changes(self)
        self.changes.install()
        self.window_actions.install_help(self)
        self._set_tab_order()
        self.exchange = ExchangeActions(self)
        self.exchange.install()

        self.surveys.surveyChosen.connect(self._on_survey)
        self.surveys.model.stateChanged.connect(self._restore_last_survey)
        self.interactions.interactionChosen.connect(self._on_interaction)
        self.interactions.selectionChanged.connect(self._update_actions)
        self.tags.stateChanged.connect(self._update_status)
        self.tags.loadAllProgress.connect(self._update_status)
        self.runner.pendingChanged.connect(self._on_pending)
        self.tag_view.selectionModel().selectionChanged.connect(self._update_actions)
        self.tag_view.doubleClicked.connect(self.edit_selected)

        self._sized_by_user = False
        self.main_splitter.splitterMoved.connect(self._user_sized)
        self.interactions.columnsFitted.connect(self._make_room_for_interactions)
        self._restore_geometry()
        if connect:
            self.connected(account_label)
        else:
            self._show_tags_for(None)

    # --- connection ----------------------------------------------------------------

    def _set_title(self, account_label: str) -> None:
        title = f"{APP_NAME} — Demo" if self.demo else APP_NAME
        self.setWindowTitle(
            f"{title} — {account_label}" if account_label and not self.demo else title
        )

    def show_connecting(self, text: str) -> None:
        """Before a client exists: say what is happening instead of an empty window."""
        self._set_empty(text)
        self.status_label.setText(text)

    def connected(self, account_label: str = "") -> None:
        """The client is ready: load the surveys (and offer a tag left unsaved)."""
        self._set_title(account_label)
        self.surveys.set_client(self.api.as_client())
        self._show_tags_for(None)
        draft = drafts.waiting_draft(self)
        if draft is not None:
            self.runner.spawn(drafts.offer_draft(self, draft))

    def account_address(self) -> str:
        """The Survey Dynamix address signed in to ("" when signed out)."""
        client = self.api.current
        return str(getattr(client, "base_url", "") or "") if client is not None else ""

    def disconnected(self) -> None:
        """Signed out: forget everything shown."""
        self.stop()
        self.surveys.set_client(None)
        self.survey = None
        self.interactions.set_survey(None, None)
        self._show_tags_for(None)
        self._set_title("")
        self.show_connecting("Signed out.")

    # --- building ------------------------------------------------------------------

    def _build_tag_panel(self) -> None:
        panel = self.tag_panel = TagPanel(self.tags, self.tag_proxy, self)
        self.tag_title, self.tag_filter, self.tag_view = panel.title, panel.filter, panel.view
        self.empty_state, self.tag_stack, self.tag_state = (
            panel.empty_state,
            panel.stack,
            panel.state_bar,
        )
        self.tag_filter.textChanged.connect(self._update_status)

    def _build_layout(self) -> None:
        self.left_splitter = named(QSplitter(Qt.Orientation.Vertical), "leftSplitter")
        self.left_splitter.addWidget(self.surveys)
        self.left_splitter.addWidget(self.interactions)
        self.left_splitter.setSizes([220, 480])
        self.main_splitter = named(QSplitter(Qt.Orientation.Horizontal), "mainSplitter")
        self.main_splitter.addWidget(self.left_splitter)
        self.main_splitter.addWidget(self.tag_panel)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([560, 680])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 6, 8, 4)
        if self.demo:
            banner = named(
                QLabel(
                    "<b>Demo mode</b> — practice data on this computer only. "
                    "Nothing you change here reaches Survey Dynamix.",
                ),
                "demoBanner",
            )
            tint(banner, NOTICE, padding="6px 10px")
            layout.addWidget(banner)
        layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)

    def _build_actions(self) -> None:
        self.window_actions = actions = WindowActions(self)
        self.add_action, self.edit_action, self.delete_action = (
            actions.add,
            actions.edit,
            actions.delete,
        )
        self.refresh_action, self.load_all_action, self.stop_action = (
            actions.refresh,
            actions.load_all,
            actions.stop,
        )
        self.find_action, self.sign_out_action, self.quit_action = (
            actions.find,
            actions.sign_out,
            actions.quit,
        )
        # Enter and Delete act on the table only, so they keep working in text fields.
        for action in (actions.edit, actions.delete):
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            self.tag_view.addAction(action)
        actions.add.triggered.connect(self.add_tag)
        actions.edit.triggered.connect(self.edit_selected)
        actions.delete.triggered.connect(self.delete_selected)
        actions.refresh.triggered.connect(self.refresh)
        actions.load_all.triggered.connect(self.load_all)
        actions.stop.triggered.connect(self.stop)
        actions.find.triggered.connect(self._focus_filter)
        actions.sign_out.triggered.connect(self.signOutRequested)
        actions.quit.triggered.connect(self.close)
        actions.help.triggered.connect(lambda: self.show_help(HelpDialog.HOW_TO))
        actions.shortcuts.triggered.connect(lambda: self.show_help(HelpDialog.SHORTCUTS))
        actions.open_logs.triggered.connect(lambda: open_log_folder(self))
        actions.about.triggered.connect(self.show_about)
        actions.install(self, page_size=self.settings.page_size, on_page_size=self.set_page_size)

    def _build_status_bar(self) -> None:
        self.status_label = named(QLabel(), "tagStatus")
        self.busy = named(QProgressBar(), "busyIndicator")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setMaximumHeight(14)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.busy)

    # --- choosing what to show -----------------------------------------------------

    def _on_survey(self, survey: Survey | None) -> None:
        self.survey = survey
        if survey is not None:
            self.settings.last_survey_id = survey.id
            self._restore_survey_id = None
        self.interactions.set_survey(self.api.as_client() if survey else None, survey)
        self._show_tags_for(None)

    def _restore_last_survey(self) -> None:
        wanted = self._restore_survey_id
        if wanted is not None and self.surveys.model.row_of(wanted) is not None:
            self._restore_survey_id = None
            self.surveys.select_survey(wanted)

    def _on_interaction(self, choice: object) -> None:
        self._show_tags_for(choice)

    def _show_tags_for(self, choice: object) -> None:
        client = self.api.as_client()
        self.interaction = choice if isinstance(choice, Interaction) else None
        if self.survey is None:
            self.tags.show_tags(None)
            self._set_empty("Pick a survey on the left to see its interactions and tags.")
        elif choice == ALL_INTERACTIONS:
            self.tags.show_tags(client, survey_id=self.survey.id)
            self.tag_title.setText(f"<b>All tags</b> of {html.escape(self.survey.display_name)}")
        elif self.interaction is not None:
            self.tags.show_tags(client, interaction_id=self.interaction.id)
            label = html.escape(interaction_label(self.interaction))
            self.tag_title.setText(f"<b>Tags</b> of interaction {label}")
        else:
            self.tags.show_tags(None)
            self._set_empty(
                "Pick an interaction on the left, or “All interactions in this survey” to see "
                "every tag of the survey."
            )
        self.tag_view.setColumnHidden(TagTableModel.INTERACTION, not self.tags.survey_wide)
        if self.tags.has_source:
            self.tag_stack.setCurrentWidget(self.tag_view)
            self.tags.fetchMore(QModelIndex())
        self._update_actions()
        self._update_status()

    def _set_empty(self, text: str) -> None:
        self.tag_panel.set_empty(text)

    # --- actions -------------------------------------------------------------------

    def selected_tags(self) -> list[Tag]:
        rows = sorted({i.row() for i in self.tag_view.selectionModel().selectedRows()})
        return [t for t in (self.tag_proxy.tag_at(r) for r in rows) if t is not None]

    def add_tag(self) -> None:
        self.editing.add()

    def edit_selected(self) -> None:
        self.editing.edit_selected()

    def delete_selected(self) -> None:
        self.editing.delete_selected()

    def open_draft(self, draft: drafts.Draft) -> TagDialog:
        """The add/edit dialog again, with what was typed before the app closed."""
        return self.editing.open_draft(draft)

    def keep_draft(self) -> bool:
        """Keep what the add/edit dialog holds unsaved for the next start."""
        return drafts.keep_open_draft(self)

    def belongs_here(self, tag: Tag) -> bool:
        if self.interaction is not None:
            return tag.interaction_id == self.interaction.id
        return self.tags.survey_wide

    def refresh(self) -> None:
        self._show_tags_for(ALL_INTERACTIONS if self.tags.survey_wide else self.interaction)

    def load_all(self) -> None:
        if self.tags.has_source and not self.tags.exhausted and not self.tags.loading_all:
            self.runner.spawn(self.tag_panel.load_all())
            self._update_status()

    def stop(self) -> None:
        self.tags.cancel_load_all()
        for model in (self.tags, self.interactions.model, self.surveys.model):
            model.stop()
        self.runner.cancel_all()
        self.statusBar().showMessage("Stopped.", 3000)

    def set_page_size(self, size: int) -> None:
        """Rows fetched per request as the table scrolls (Load all always uses 1,000)."""
        self.settings.page_size = size
        self.tags.page_size = self.settings.page_size
        self.interactions.set_page_size(self.settings.page_size)

    def _focus_filter(self) -> None:
        self.tag_filter.setFocus()
        self.tag_filter.selectAll()

    def _set_tab_order(self) -> None:
        """Tab goes pane by pane: survey search, survey list, interaction search (and
        where to search, which type), interaction table, tag filter, tag table."""
        chain: list[QWidget] = [
            self.surveys.search,
            self.surveys.view,
            self.interactions.search,
            self.interactions.field_combo,
            self.interactions.type_combo,
            self.interactions.view,
            self.tag_filter,
            self.tag_view,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # --- help ----------------------------------------------------------------------

    def show_help(self, tab: int = HelpDialog.HOW_TO) -> HelpDialog:
        self.help_dialog = show_help(self, tab, getattr(self, "help_dialog", None))
        return self.help_dialog

    def show_about(self) -> AboutDialog:
        self.about_dialog = show_about(self)
        return self.about_dialog

    # --- status --------------------------------------------------------------------

    def _on_pending(self, pending: int) -> None:
        self.busy.setVisible(pending > 0)
        self._update_actions()

    def _update_actions(self) -> None:
        count = len(self.selected_tags())
        self.add_action.setEnabled(self.survey is not None and self.tags.has_source)
        self.edit_action.setEnabled(count == 1)
        self.delete_action.setEnabled(count >= 1)
        self.refresh_action.setEnabled(self.tags.has_source)
        self.load_all_action.setEnabled(
            self.tags.has_source and not self.tags.exhausted and not self.tags.loading_all
        )
        self.stop_action.setEnabled(self.runner.pending > 0 or self.tags.loading_all)
        if hasattr(self, "changes"):
            self.changes.update_actions()
        if hasattr(self, "exchange"):
            self.exchange.update_actions()

    def update_status(self) -> None:
        self._update_status()

    def _update_status(self) -> None:
        self._update_actions()
        self.status_label.setText(self.tag_panel.refresh())

    # --- window state --------------------------------------------------------------

    def _restore_geometry(self) -> None:
        geometry = self.settings.geometry("main/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            available = self.screen().availableGeometry()
            self.resize(
                min(1400, int(available.width() * 0.9)), min(820, int(available.height() * 0.9))
            )
        for name, splitter in (
            ("main/splitter", self.main_splitter),
            ("main/leftSplitter", self.left_splitter),
        ):
            state = self.settings.geometry(name)
            if state is not None:
                splitter.restoreState(state)
        moved = self.settings.geometry("main/splitterMovedByUser")
        self._sized_by_user = moved is not None and bytes(moved.data()) == b"1"

    def _user_sized(self) -> None:
        self._sized_by_user = True

    def _make_room_for_interactions(self, needed: int) -> None:
        """Until staff move the divider themselves, the interactions get the width their
        columns need (up to 62% of the window), so no email is cut and Created shows."""
        sizes = self.main_splitter.sizes()
        total = sum(sizes)
        left = min(needed, int(total * 0.62))
        if not self._sized_by_user and total > 0 and left > sizes[0]:
            self.main_splitter.setSizes([left, total - left])

    def save_window_state(self) -> None:
        self.settings.save_geometry("main/geometry", self.saveGeometry())
        self.settings.save_geometry("main/splitter", self.main_splitter.saveState())
        # Whether staff dragged the divider (else the next start may widen the left pane
        # to the interactions' columns again).
        moved = QByteArray(b"1" if self._sized_by_user else b"0")
        self.settings.save_geometry("main/splitterMovedByUser", moved)
        self.settings.save_geometry("main/leftSplitter", self.left_splitter.saveState())
        self.settings.sync()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            retheme(self)  # the icons, in the new theme's colours
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.keep_draft()
        self.save_window_state()
        self.stop()
        super().closeEvent(event)
        self.closed.emit()
