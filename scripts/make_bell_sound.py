"""Write assets/sounds/soft-bell.wav: the optional soft bell of the practice exercises.

The sound is our own synthesis, made by this script from a few sine waves (no
recording, no sample library, nothing to license): a bell-like set of partials, each
fading away at its own rate, with a short rounded attack so it never clicks, at a
gentle volume. Mono, 22,050 Hz, 16-bit, about 1.5 seconds (about 66 KB).

Run it again after changing the numbers below:

    python scripts/make_bell_sound.py [output.wav]

Standard library only (`wave`, `math`, `struct`), so it runs anywhere Python does.
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

SAMPLE_RATE = 22_050
SECONDS = 1.5
FUNDAMENTAL_HZ = 528.0
PEAK = 0.35  # of full scale: soft, never startling
ATTACK_SECONDS = 0.012  # a rounded start (an instant start clicks)
FADE_OUT_SECONDS = 0.15  # the last moments reach silence exactly, so the end never clicks

# (frequency ratio to the fundamental, loudness, how fast it dies away per second).
# The ratios are those of a small bowl-like bell (not whole-number harmonics: that is
# what makes it a bell rather than an organ); higher partials fade sooner.
PARTIALS = (
    (1.0, 1.0, 2.2),
    (2.0, 0.45, 3.5),
    (2.76, 0.3, 4.5),
    (5.40, 0.12, 7.0),
    (8.93, 0.05, 10.0),
)

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "assets" / "sounds" / "soft-bell.wav"


def bell_samples() -> list[float]:
    """The bell as samples from -1 to 1, peaking at PEAK."""
    count = int(SAMPLE_RATE * SECONDS)
    raw: list[float] = []
    for n in range(count):
        t = n / SAMPLE_RATE
        value = sum(loudness * math.exp(-decay * t) * math.sin(2 * math.pi * FUNDAMENTAL_HZ
                                                                * ratio * t)
                    for ratio, loudness, decay in PARTIALS)
        if t < ATTACK_SECONDS:
            value *= math.sin(0.5 * math.pi * t / ATTACK_SECONDS) ** 2
        left = SECONDS - t
        if left < FADE_OUT_SECONDS:
            value *= left / FADE_OUT_SECONDS
        raw.append(value)
    loudest = max(abs(v) for v in raw) or 1.0
    return [PEAK * v / loudest for v in raw]


def write_wav(path: Path, samples: list[float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = b"".join(struct.pack("<h", round(max(-1.0, min(1.0, s)) * 32767))
                      for s in samples)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(frames)


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    write_wav(path, bell_samples())
    print(f"Wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
