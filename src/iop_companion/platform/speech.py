"""Reading exercise steps aloud through plyer's text-to-speech, where there is one.

plyer speaks on Android, iOS, macOS and Windows, and on Linux only when `espeak` or
`flite` is installed; elsewhere its facade raises NotImplementedError. In web mode the
app's Python runs on a server, where speech would come out of the server's speakers,
not the person's phone: there it is never offered. The screen shows the "Read aloud"
switch only when `speech_available` says so, so no one is offered what cannot work.

Nothing here logs what is spoken (exercise steps are not private, but the rule is
simple: no text in logs).
"""

from __future__ import annotations

import importlib
import shutil
import sys
import warnings

_PLATFORMS_WITH_SPEECH = ("android", "ios", "darwin", "win32")


def speech_available(*, on_server: bool) -> bool:
    """Whether steps can be read aloud on the person's own device."""
    if on_server:
        return False
    if sys.platform.startswith("linux") and not _on_android():
        return bool(shutil.which("espeak") or shutil.which("flite"))
    return sys.platform in _PLATFORMS_WITH_SPEECH or _on_android()


def speak(text: str) -> bool:
    """Say `text`; False when it could not be said. Blocks while speaking on some
    platforms, so callers run it off the event loop (asyncio.to_thread)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            importlib.import_module("plyer").tts.speak(message=text)
    except Exception:  # noqa: BLE001 - NotImplementedError and any backend failure alike
        return False
    return True


def _on_android() -> bool:
    return "ANDROID_ARGUMENT" in __import__("os").environ
