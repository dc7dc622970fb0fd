"""The optional soft bell: the sound file is ours and small, and a bell that cannot play
(no audio plugin, a browser that refuses, a call that hangs) is silence, never an error
that would stop the exercise."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import pytest

from iop_companion.paths import find_assets_dir
from iop_companion.platform import bell as bell_module
from iop_companion.platform.bell import BELL_ASSET, Bell, make_bell


def test_the_sound_is_a_short_soft_mono_wav() -> None:
    path = find_assets_dir() / BELL_ASSET
    with wave.open(str(path)) as sound:
        assert (sound.getnchannels(), sound.getframerate(), sound.getsampwidth()) == (
            1, 22_050, 2)
        seconds = sound.getnframes() / sound.getframerate()
        frames = sound.readframes(sound.getnframes())
    assert 1.0 <= seconds <= 2.0
    assert path.stat().st_size < 100_000
    samples = memoryview(frames).cast("h")
    assert max(abs(s) for s in samples) < 0.5 * 32767  # gentle: well under full scale
    assert abs(samples[0]) < 200 and abs(samples[-1]) < 200  # no click at either end


class _Audio:
    def __init__(self, error: BaseException | None = None, hang: bool = False) -> None:
        self.error, self.hang, self.plays = error, hang, 0

    async def play(self) -> None:
        self.plays += 1
        if self.hang:
            await asyncio.sleep(60)
        if self.error is not None:
            raise self.error


def test_a_bell_that_plays_says_so() -> None:
    audio = _Audio()
    assert asyncio.run(Bell(audio).ring()) is True
    assert audio.plays == 1


@pytest.mark.parametrize("audio", [_Audio(RuntimeError("no plugin")),
                                   _Audio(TimeoutError()), _Audio(hang=True)])
def test_a_bell_that_cannot_play_is_silence(audio: _Audio, monkeypatch) -> None:
    monkeypatch.setattr(bell_module, "RING_TIMEOUT_SECONDS", 0.05)
    assert asyncio.run(Bell(audio).ring()) is False


def test_without_a_page_or_the_package_there_is_simply_no_bell(monkeypatch) -> None:
    import flet_audio

    def broken(**_: object) -> None:
        raise RuntimeError("audio is not available here")

    monkeypatch.setattr(flet_audio, "Audio", broken)
    assert make_bell() is None


def test_the_bell_asset_path_is_relative_to_the_assets_folder() -> None:
    assert not Path(BELL_ASSET).is_absolute()
    assert (find_assets_dir() / BELL_ASSET).is_file()
