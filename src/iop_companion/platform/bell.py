"""The optional soft bell of the practice exercises, through `flet-audio`.

The sound is `assets/sounds/soft-bell.wav` (our own synthesis: scripts/make_bell_sound.py).
`flet_audio.Audio` is a Flet service: made while a page is current, it registers with
that page and the Flet client (phone, desktop or browser) loads the sound at once, so
the first ring does not wait for it. In the web build the sound plays in the person's
browser, not on the server (the prebuilt web client includes the audio plugin); a
browser may refuse sound before the person has touched the page, but the exercise
starts with a tap, so by the first bell they have.

A bell is a nicety: when audio is missing or fails (no plugin, no sound device, a
browser that refuses), `ring` returns False and the exercise goes on silently. Nothing
here raises.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)

BELL_ASSET = "sounds/soft-bell.wav"  # relative to the app's assets folder
BELL_VOLUME = 0.7  # the file itself is quiet (35% of full scale): a soft bell
RING_TIMEOUT_SECONDS = 3.0


class Bell:
    """One loaded bell sound, rung at each phase change while the person wants it."""

    def __init__(self, audio: Any) -> None:
        self._audio = audio  # kept here: a service nobody references is unregistered

    @property
    def audio(self) -> Any:
        return self._audio

    async def ring(self) -> bool:
        """Play the bell from its start; False (and silence) when it cannot."""
        try:
            await asyncio.wait_for(self._audio.play(), RING_TIMEOUT_SECONDS)
        except Exception as error:  # noqa: BLE001 - no sound is not an error for the person
            log.debug("Bell not played: %s", type(error).__name__)
            return False
        return True


def make_bell() -> Bell | None:
    """The bell, registered with the current page; None when audio is not available."""
    try:
        import flet_audio

        audio = flet_audio.Audio(src=BELL_ASSET, volume=BELL_VOLUME,
                                 # Kept loaded after each ring, so the next starts at once.
                                 release_mode=flet_audio.ReleaseMode.STOP)
    except Exception as error:  # noqa: BLE001 - missing package or no page: no bell
        log.debug("Bell not available: %s", type(error).__name__)
        return None
    return Bell(audio)
