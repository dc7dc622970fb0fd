"""The app shell: first run, the lock, the bottom tabs, pages on top, and the
"Get help now" button that is on every participant screen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import flet as ft

from iop_companion.domain.measures import MeasureId
from iop_companion.services.clinic_link import LinkState, LinkStatus
from iop_companion.services.container import AppServices
from iop_companion.services.record_versions import note_deliveries
from iop_companion.services.safety import note_flag_receipts
from iop_companion.services.sync_runner import SyncAttempt, SyncRunner
from iop_companion.ui import kit
from iop_companion.ui.aftercare.view import AftercarePlanEditScreen, AftercarePlanScreen
from iop_companion.ui.check_in.view import CheckInScreen
from iop_companion.ui.context import Navigator, NavigatorContext, ServicesContext
from iop_companion.ui.family.view import FamilyHomeScreen
from iop_companion.ui.goals.view import GoalEditScreen, GoalsScreen
from iop_companion.ui.guard import guarded_screen
from iop_companion.ui.help.view import HelpScreen, SafetyPlanEditScreen, SafetyPlanScreen
from iop_companion.ui.journal.export import JournalExportScreen
from iop_companion.ui.journal.view import JournalScreen
from iop_companion.ui.learn.reader import ModuleScreen
from iop_companion.ui.learn.view import LearnScreen
from iop_companion.ui.lock.forgot_pin import ForgotPinScreen
from iop_companion.ui.lock.upgrade_pin import UpgradePinScreen
from iop_companion.ui.lock.view import LockScreen, wiped_notice
from iop_companion.ui.logs.diary_card import DiaryCardScreen
from iop_companion.ui.logs.note import NoteScreen
from iop_companion.ui.logs.patterns import PatternsScreen
from iop_companion.ui.logs.thought_record import ThoughtRecordScreen
from iop_companion.ui.logs.urge_log import UrgeLogScreen
from iop_companion.ui.measures.view import MeasureScreen
from iop_companion.ui.onboarding.clinic import ConnectClinicScreen
from iop_companion.ui.onboarding.family import FamilyInviteScreen
from iop_companion.ui.onboarding.pin import SetPinScreen
from iop_companion.ui.onboarding.recovery_code import RecoveryCodeScreen
from iop_companion.ui.onboarding.welcome import WelcomeScreen
from iop_companion.ui.people.view import PeopleScreen, PersonEditScreen
from iop_companion.ui.practice.view import PracticeScreen
from iop_companion.ui.recovery.view import (
    LapseReviewScreen,
    RelapsePlanEditScreen,
    RelapsePlanScreen,
)
from iop_companion.ui.reminder import (
    REMINDER_CHECK_SECONDS,
    checked_in_today,
    in_app_reminder_due,
    reminder_banner,
)
from iop_companion.ui.safety.flow import SafetyFlowScreen
from iop_companion.ui.schedule.view import ScheduleScreen
from iop_companion.ui.settings.view import SettingsScreen
from iop_companion.ui.theme import THEME_MODES
from iop_companion.ui.today.view import TodayScreen

# Every screen the shell draws shows crisis help instead of freezing if it fails (ui/guard.py).
(TodayScreen, ScheduleScreen, LearnScreen, PracticeScreen, JournalScreen, HelpScreen,
 SafetyPlanScreen, SafetyPlanEditScreen, RelapsePlanScreen, RelapsePlanEditScreen,
 LapseReviewScreen, AftercarePlanScreen, AftercarePlanEditScreen, GoalsScreen, GoalEditScreen,
 PeopleScreen, PersonEditScreen, ModuleScreen, SettingsScreen, CheckInScreen, SafetyFlowScreen,
 MeasureScreen, LockScreen, WelcomeScreen, SetPinScreen, ConnectClinicScreen, FamilyInviteScreen,
 FamilyHomeScreen) = (guarded_screen(screen) for screen in (
    TodayScreen, ScheduleScreen, LearnScreen, PracticeScreen, JournalScreen, HelpScreen,
    SafetyPlanScreen, SafetyPlanEditScreen, RelapsePlanScreen, RelapsePlanEditScreen,
    LapseReviewScreen, AftercarePlanScreen, AftercarePlanEditScreen, GoalsScreen, GoalEditScreen,
    PeopleScreen, PersonEditScreen, ModuleScreen, SettingsScreen, CheckInScreen, SafetyFlowScreen,
    MeasureScreen, LockScreen, WelcomeScreen, SetPinScreen, ConnectClinicScreen,
    FamilyInviteScreen, FamilyHomeScreen))
ForgotPinScreen, RecoveryCodeScreen, UpgradePinScreen = (guarded_screen(screen) for screen in (
    ForgotPinScreen, RecoveryCodeScreen, UpgradePinScreen))
DiaryCardScreen, ThoughtRecordScreen, UrgeLogScreen, PatternsScreen = (
    guarded_screen(screen) for screen in (
        DiaryCardScreen, ThoughtRecordScreen, UrgeLogScreen, PatternsScreen))
NoteScreen, JournalExportScreen = (guarded_screen(screen) for screen in (
    NoteScreen, JournalExportScreen))

TABS: list[tuple[str, ft.IconData, ft.IconData, Callable[[], ft.Control]]] = [
    ("today", ft.Icons.WB_SUNNY_OUTLINED, ft.Icons.WB_SUNNY, TodayScreen),
    ("schedule", ft.Icons.CALENDAR_MONTH_OUTLINED, ft.Icons.CALENDAR_MONTH, ScheduleScreen),
    ("learn", ft.Icons.MENU_BOOK_OUTLINED, ft.Icons.MENU_BOOK, LearnScreen),
    ("practice", ft.Icons.SELF_IMPROVEMENT_OUTLINED, ft.Icons.SELF_IMPROVEMENT, PracticeScreen),
    ("journal", ft.Icons.EDIT_NOTE_OUTLINED, ft.Icons.EDIT_NOTE, JournalScreen),
]
TAB_NAMES = [name for name, *_ in TABS]
IDLE_CHECK_SECONDS = 5
# Phases with the store locked where a call for help brings back the safety screen.
LOCKED_PHASES = ("locked", "forgot_pin")
PERIODIC_SYNC_SECONDS = 5 * 60
# Networks flap as a phone moves; wait for the new one to settle before syncing.
NETWORK_SETTLE_SECONDS = 2.0


def _initial_phase(services: AppServices) -> str:
    if services.account.is_unlocked:
        return "main"
    if services.account.is_set_up:
        return "locked"
    return "welcome"


def _top_bar(services: AppServices, title: str, *, on_help: Callable[[], None],
             on_back: Callable[[], None] | None, on_settings: Callable[[], None] | None,
             show_help: bool) -> ft.Control:
    t = services.t
    leading: list[ft.Control] = []
    if on_back is not None:
        leading.append(kit.icon_action(ft.Icons.ARROW_BACK, t("nav.back"), on_back))
    trailing: list[ft.Control] = []
    if show_help:
        trailing.append(ft.FilledButton(
            t("help.button"), icon=ft.Icons.SUPPORT, on_click=lambda: on_help(),
            height=kit.MIN_TOUCH, style=ft.ButtonStyle(bgcolor=ft.Colors.ERROR,
                                                       color=ft.Colors.ON_ERROR),
        ))
    if on_settings is not None:
        trailing.append(kit.icon_action(ft.Icons.SETTINGS_OUTLINED, t("nav.settings"),
                                        on_settings))
    return ft.Container(
        content=ft.Row(
            [*leading,
             ft.Text(title, size=18, weight=ft.FontWeight.W_600, expand=True,
                     max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
             *trailing],
            spacing=4,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        ),
        padding=ft.Padding.only(left=12, right=8, top=8, bottom=8),
        bgcolor=ft.Colors.SURFACE_CONTAINER,
    )


PAGE_SCREENS: dict[str, Callable[[], ft.Control]] = {
    "help": HelpScreen,
    "safety_plan": SafetyPlanScreen,
    "safety_plan_edit": SafetyPlanEditScreen,
    "relapse_plan": RelapsePlanScreen,
    "relapse_plan_edit": RelapsePlanEditScreen,
    "lapse_review": LapseReviewScreen,
    "aftercare_plan": AftercarePlanScreen,
    "aftercare_plan_edit": AftercarePlanEditScreen,
    "goals": GoalsScreen,
    "goal_edit": GoalEditScreen,
    "people": PeopleScreen,
    "person_edit": PersonEditScreen,
    "module": ModuleScreen,
    "settings": SettingsScreen,
    "check_in": CheckInScreen,
    "diary_card": DiaryCardScreen,
    "thought_record": ThoughtRecordScreen,
    "urge_log": UrgeLogScreen,
    "patterns": PatternsScreen,
    "journal_note": NoteScreen,
    "journal_export": JournalExportScreen,
    "safety_flow": SafetyFlowScreen,
    "measure_phq9": lambda: MeasureScreen(MeasureId.PHQ9),
    "measure_gad7": lambda: MeasureScreen(MeasureId.GAD7),
    "measure_bam": lambda: MeasureScreen(MeasureId.BAM),
}


@ft.component
def Shell(services: AppServices) -> ft.Control:
    t = services.t
    phase, set_phase = ft.use_state(lambda: _initial_phase(services))
    tab, set_tab = ft.use_state("today")
    pages, set_pages = ft.use_state(list)   # a stack of full-screen pages over the tabs
    revision, set_revision = ft.use_state(0)
    snack, set_snack = ft.use_state(None)
    reminder_showing, set_reminder_showing = ft.use_state(False)  # the in-app banner
    # A recovery code just made (set-up, "Forgot PIN?"), shown once; held here so that
    # "Get help now" and back does not lose it. Then where to go, and whether it replaced one.
    recovery_code, set_recovery_code = ft.use_state(None)
    after_recovery_code = ft.use_ref(None)
    recovery_code_replaces = ft.use_ref(False)
    wiped_showing = ft.use_ref(False)  # erased after wrong PINs: the welcome screen says so
    page = ft.context.page

    def data_changed() -> None:
        set_revision(lambda r: r + 1)

    def show_lock_screen() -> None:
        set_pages([])
        if services.account.is_set_up:
            set_phase("locked")
        else:
            # Locked with nothing left to unlock: a wrong PIN typed in Settings reached
            # the count the person chose, and everything was erased.
            after_wipe()

    def lock() -> None:
        services.account.lock()  # tells show_lock_screen through on_lock

    def open_page(name: str) -> None:
        set_pages(lambda stack: [*stack, name])

    def back() -> None:
        set_pages(lambda stack: stack[:-1])

    def after_setup() -> None:
        set_pages([])
        set_tab("today")
        set_phase("main")

    def after_unlock() -> None:
        # An older, shorter PIN opened the store: ask for a stronger one (once per unlock).
        set_phase("upgrade_pin" if services.account.pin_needs_upgrade else "main")
        if recovery_code is not None:
            # The app locked while the recovery code was on screen: show it again first.
            set_phase("recovery_code")
        set_tab("today")
        # A flag that could not be written (locked, or the phone refused) goes in now.
        services.safety.retry_unsaved()
        # Forms that were open at the lock come back, with their drafts.
        set_pages([name for name in services.drafts.pages_to_reopen() if name in PAGE_SCREENS])
        data_changed()
        # Let Today reach the screen first; then talk to the clinic. This stays on the
        # event loop (not a thread) so the store only ever has one writer.
        sync_soon()

    def restart() -> None:
        set_pages([])
        set_tab("today")
        services.translator.set_locale("en")
        set_phase("welcome")

    def show_recovery_code(then: Callable[[], None], *, replaces: bool = False) -> None:
        code = services.account.take_recovery_code()
        if code is None:
            then()
            return
        after_recovery_code.current = then
        recovery_code_replaces.current = replaces
        set_recovery_code(code)
        set_phase("recovery_code")

    def recovery_code_written() -> None:
        set_recovery_code(None)  # never shown again
        then, after_recovery_code.current = after_recovery_code.current, None
        if then is not None:
            then()

    def after_recovery() -> None:
        # The recovery code opened the store: in at once (flags, sync), the new code first.
        after_unlock()
        show_recovery_code(lambda: set_phase("main"), replaces=True)

    def after_wipe() -> None:
        # The vault erased itself after wrong PINs: what the app kept outside it goes
        # too, as with "Remove everything".
        services.preferences.clear()
        services.unsaved_forms.clear()
        set_recovery_code(None)  # a code for what no longer exists
        wiped_showing.current = True
        restart()

    def replace_page(name: str) -> None:
        set_pages(lambda stack: [*stack[:-1], name])

    def sync_once() -> LinkStatus | None:
        store = services.account.store
        if store is None:
            return None
        if services.role == "family":
            services.clinic.use_kept_clinic(store)  # the clinic's address, kept at joining
            services.family.refresh(store)
            return None
        services.safety.retry_unsaved()  # never sync past a flag still waiting to be written
        was_refused = services.clinic.status(store).state is LinkState.NOT_AUTHORISED
        status = services.clinic.sync(store)
        # Versions that left the outbox were just taken by the clinic: note when.
        note_deliveries(store, services.clock())
        note_flag_receipts(store, services.clock())
        if status.state is LinkState.NOT_AUTHORISED and not was_refused:
            just_disconnected.current = True
        return status

    async def lock_after_this_turn() -> None:
        await asyncio.sleep(0)  # let the screen that asked for the sync finish first
        lock()

    def after_sync_attempt(_: SyncAttempt | None = None) -> None:
        if just_disconnected.current:
            # The clinic disconnected this phone (security A1): lock the local session
            # too, once; after the PIN the app says what happened and how to reconnect.
            just_disconnected.current = False
            page.run_task(lock_after_this_turn)
        data_changed()

    runner_ref = ft.use_ref(None)
    just_disconnected = ft.use_ref(False)
    connectivity_ref = ft.use_ref(None)
    open_pages = ft.use_ref(list)  # the page stack as last drawn, for the lock's drafts
    open_pages.current = list(pages)
    grace_drawn = ft.use_ref(False)  # the safety screen is showing over the lock

    def sync_runner() -> SyncRunner:
        # One per session, made on first use: it outlives re-renders of the shell.
        if runner_ref.current is None:
            runner_ref.current = SyncRunner(
                sync_once, spawn=page.run_task, exclusive=services.sync_lock,
                on_attempt=after_sync_attempt)
        return runner_ref.current

    def sync_soon() -> None:
        # Not debounced: the write may be a safety flag, which must not wait.
        # Writes made while a sync runs fold into one more sync after it.
        sync_runner().request()

    async def sync_now() -> LinkStatus | None:
        status = await sync_runner().run_now()
        after_sync_attempt()
        return status

    navigator = Navigator(
        open=open_page, back=back, go_tab=lambda name: (set_pages([]), set_tab(name)),
        data_changed=data_changed, notify=set_snack, lock=lock, after_setup=after_setup,
        restart=restart, replace=replace_page, sync_soon=sync_soon, sync_now=sync_now,
    )

    def keep_before_lock(store) -> None:
        # Whatever locks the app (idle, leaving it, a call from the safety screen):
        # forms in progress are written encrypted, and the crisis copies refreshed.
        # The pages come back after the PIN only when a form was in progress or help
        # was on screen; otherwise the app opens on Today as usual.
        pages = open_pages.current
        in_progress = services.drafts.has_open_forms or (pages and pages[-1] == "safety_flow")
        services.drafts.flush(store, pages if in_progress else [])
        services.locked_help.before_lock(store, in_grace=services.account.in_crisis_grace)

    def end_grace() -> None:
        services.account.end_crisis_grace()
        services.locked_help.forget_grace_copy()
        data_changed()

    def watch_idle() -> None:
        kit.on_activity(services.account.touch)
        services.account.before_lock(keep_before_lock)
        services.account.on_lock(show_lock_screen)

        async def loop() -> None:
            since_sync = since_reminder = 0.0
            while True:
                await asyncio.sleep(IDLE_CHECK_SECONDS)
                if services.account.idle_expired():
                    lock()
                if grace_drawn.current and not services.account.in_crisis_grace:
                    end_grace()  # the grace period is over: back to the PIN
                since_sync += IDLE_CHECK_SECONDS
                since_reminder += IDLE_CHECK_SECONDS
                if since_reminder >= REMINDER_CHECK_SECONDS:
                    since_reminder = 0.0
                    if in_app_reminder_due(services, page):
                        set_reminder_showing(True)
                    elif checked_in_today(services):
                        set_reminder_showing(False)
                if since_sync >= PERIODIC_SYNC_SECONDS and services.account.is_unlocked:
                    # While the app is open, keep the clinic's news and the outbox moving.
                    since_sync = 0.0
                    sync_soon()

        page.run_task(loop)

        def connectivity_changed(event: ft.ConnectivityChangeEvent) -> None:
            online = any(kind is not ft.ConnectivityType.NONE for kind in event.connectivity)
            if online and services.account.is_unlocked:
                sync_runner().request(debounce_seconds=NETWORK_SETTLE_SECONDS)

        # Where the platform reports network changes (phones, browsers), a phone that
        # comes back online sends its outbox at once instead of at the next timer.
        connectivity_ref.current = ft.Connectivity(on_change=connectivity_changed)

        def lifecycle(event: ft.AppLifecycleStateChangeEvent) -> None:
            # Lock as soon as the app leaves the screen (home button, app switcher).
            if event.state in (ft.AppLifecycleState.HIDE, ft.AppLifecycleState.PAUSE):
                lock()

        page.on_app_lifecycle_state_change = lifecycle

    ft.use_effect(watch_idle, [])

    theme_name = services.preferences.get("theme", "system")

    def apply_theme() -> None:
        page.theme_mode = THEME_MODES.get(theme_name, ft.ThemeMode.SYSTEM)
        page.update()

    ft.use_effect(apply_theme, [theme_name])

    def show_snack() -> None:
        if snack:
            page.show_dialog(ft.SnackBar(ft.Text(snack), duration=ft.Duration(seconds=4)))
            set_snack(None)

    ft.use_effect(show_snack, [snack])

    if phase in ("main", "upgrade_pin") and not services.account.is_unlocked:
        phase = "locked"  # locked from outside (a disconnect): never show data without the PIN

    def layout() -> ft.Control:
        # What is on screen: a page from the stack, a first-run step, the lock, or a tab.
        top = pages[-1] if pages else None
        bottom_nav: ft.Control | None = None
        on_settings: Callable[[], None] | None = None
        on_back: Callable[[], None] | None = back if top else None
        if top == "help":
            title, content = t("help.title_short"), HelpScreen()
        elif phase == "welcome":
            title, content = t("app.name"), WelcomeScreen(
                choose=lambda role: (services.preferences.set("role", role),
                                     set_phase("set_pin")))
        elif phase == "family_join":
            title, content = t("family.title_short"), FamilyInviteScreen(joined=after_setup)
        elif phase == "set_pin":
            title, content = t("pin.create.title_short"), SetPinScreen(
                done=lambda: show_recovery_code(lambda: set_phase(
                    "family_join" if services.role == "family" else "connect")))
        elif phase == "recovery_code":
            title, content = t("pin_screens.code.title"), RecoveryCodeScreen(
                code=recovery_code or "", done=recovery_code_written,
                replaced=recovery_code_replaces.current)
        elif phase == "forgot_pin" and not services.account.in_crisis_grace:
            title, content = t("pin_screens.forgot.title"), ForgotPinScreen(
                recovered=after_recovery, back=lambda: set_phase("locked"), wiped=after_wipe)
        elif phase == "upgrade_pin":
            title, content = t("pin_screens.upgrade.title"), UpgradePinScreen(
                done=lambda: set_phase("main"))
        elif phase == "connect":
            title, content = t("connect.title_short"), ConnectClinicScreen(
                finish=after_setup, first_run=True)
        elif phase in LOCKED_PHASES and services.account.in_crisis_grace:
            # Back from a call or text for help: the safety screen, not the PIN.
            title, content = t("page.safety_flow"), SafetyFlowScreen(unlock=end_grace)
        elif phase == "locked":
            title, content = t("app.name"), LockScreen(
                unlocked=after_unlock, forgot=lambda: set_phase("forgot_pin"), wiped=after_wipe)
        elif top == "connect":
            title, content = t("connect.title_short"), ConnectClinicScreen(finish=back,
                                                                           first_run=False)
        elif top is not None:
            title, content = t(f"page.{top}"), PAGE_SCREENS[top]()
        elif services.role == "family":
            title, content = t("family.home.tab"), FamilyHomeScreen()
            on_settings = lambda: open_page("settings")
        else:
            index = TAB_NAMES.index(tab)
            title = t(f"tab.{tab}")
            content = TABS[index][3]()
            on_settings = lambda: open_page("settings")
            bottom_nav = ft.NavigationBar(
                selected_index=index,
                on_change=lambda e: set_tab(TAB_NAMES[int(e.control.selected_index)]),
                destinations=[
                    ft.NavigationBarDestination(icon=icon, selected_icon=selected, label=t(f"tab.{name}"))
                    for name, icon, selected, _ in TABS
                ],
            )
        grace_drawn.current = phase in LOCKED_PHASES and services.account.in_crisis_grace
        if phase != "welcome":
            wiped_showing.current = False  # said once; gone when set-up begins again
        elif wiped_showing.current and top != "help":
            content = ft.Column([wiped_notice(t), ft.Container(content=content, expand=True)],
                                spacing=0, expand=True)
        if top == "help" and phase != "main":
            on_back = back
        bar = _top_bar(services, title, on_help=lambda: open_page("help"), on_back=on_back,
                       on_settings=on_settings, show_help=top != "help")
        # Keyed by what is drawn, so that the lock screen replacing the safety screen at
        # the end of a crisis grace period gets fresh widgets: reusing the safety screen's
        # left the PIN field deaf to typing.
        drawn = f"{phase}:{'grace' if grace_drawn.current else 'plain'}"
        column = [bar, ft.Container(content=content, expand=True, key=drawn)]
        if reminder_showing and phase == "main" and top not in ("check_in", "help",
                                                                "safety_flow"):
            column.insert(1, reminder_banner(
                t, on_open=lambda: (set_reminder_showing(False), open_page("check_in")),
                on_dismiss=lambda: set_reminder_showing(False)))
        if bottom_nav is not None:
            column.append(bottom_nav)
        return ft.SafeArea(content=ft.Column(column, spacing=0, expand=True), expand=True)

    _ = revision  # re-render marker: screens re-read the store when data changes
    # Screens are created inside the providers so that they can read both contexts.
    return ServicesContext(services, lambda: NavigatorContext(navigator, layout))
