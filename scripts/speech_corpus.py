#!/usr/bin/env python3
"""Builds a small real-speech corpus offline, in the LJSpeech layout, with espeak-ng.

    python3 scripts/speech_corpus.py --out data/espeak-corpus --size 300 --seed 1

Writes ``wavs/<id>.wav`` (16-bit mono PCM at espeak-ng's rate, 22 050 Hz), ``metadata.csv``
(``id|text|normalized text``, as LJSpeech), and ``alignments/<id>.json``: the phonemes espeak-ng
spoke, each with its start and end in seconds, taken from libespeak-ng's own phoneme events — the
true alignment of the utterance. Sentences are drawn from a small grammar by a seeded generator,
so a size and a seed always give the same corpus. Standard library only (ctypes on
libespeak-ng.so.1, from Debian's espeak-ng package).
"""
from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import os
import random
import sys
import wave

SUBJECTS = ["the cat", "a small dog", "my brother", "the old man", "her teacher", "the red bird", "a tall woman",
            "the farmer", "our neighbour", "the little girl", "a quiet boy", "the captain"]
VERBS = ["saw", "found", "painted", "carried", "wanted", "opened", "followed", "cleaned", "sold", "remembered",
         "borrowed", "watched"]
OBJECTS = ["a green apple", "the wooden box", "seven letters", "the long road", "a silver key", "the morning paper",
           "two blue cups", "the garden gate", "a heavy stone", "the kitchen door", "an empty basket", "the yellow kite"]
ENDINGS = ["", "", " yesterday", " at noon", " in the rain", " before dinner", " last winter", " near the river",
           " after school", " on monday"]


def sentences(count: int, seed: int) -> list[str]:
    """``count`` distinct sentences from the grammar, in a seeded order."""
    rng = random.Random(seed)
    seen: set[str] = set()
    result: list[str] = []
    limit = len(SUBJECTS) * len(VERBS) * len(OBJECTS) * len(set(ENDINGS))
    if count > limit:
        raise ValueError(f"--size {count} is more than the {limit} distinct sentences the grammar makes")
    while len(result) < count:
        text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}{rng.choice(ENDINGS)}."
        text = text[0].upper() + text[1:]
        if text not in seen:
            seen.add(text)
            result.append(text)
    return result


class EspeakEvent(ctypes.Structure):
    class Id(ctypes.Union):
        _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]

    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", Id)]


EVENT_END_OF_LIST, EVENT_PHONEME = 0, 7
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(EspeakEvent))


class Espeak:
    """libespeak-ng in synchronous mode, collecting samples and phoneme events."""

    def __init__(self, voice: str, rate: int) -> None:
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        try:
            self.lib = ctypes.CDLL(name)
        except OSError as error:
            raise SystemExit(f"libespeak-ng is missing ({error}); install Debian's espeak-ng: apt-get install espeak-ng")
        phoneme_events = 0x0001
        self.rate = self.lib.espeak_Initialize(2, 0, None, phoneme_events)  # AUDIO_OUTPUT_SYNCHRONOUS
        if self.rate <= 0:
            raise SystemExit("espeak-ng could not be initialised")
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise SystemExit(f"espeak-ng has no voice '{voice}' (see espeak-ng --voices)")
        self.lib.espeak_SetParameter(1, rate, 0)  # espeakRATE, words per minute
        self.samples: list[bytes] = []
        self.events: list[tuple[int, str]] = []
        self._callback = CALLBACK(self._collect)
        self.lib.espeak_SetSynthCallback(self._callback)
        self.lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                          ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]

    def _collect(self, wav, count, events) -> int:
        if count > 0:
            self.samples.append(ctypes.string_at(wav, count * 2))
        index = 0
        while events[index].type != EVENT_END_OF_LIST:
            event = events[index]
            if event.type == EVENT_PHONEME:
                self.events.append((event.audio_position, event.id.string.decode("ascii", "replace")))
            index += 1
        return 0

    def speak(self, text: str) -> tuple[bytes, list[dict]]:
        """The utterance's PCM bytes and its phonemes with start and end times (seconds)."""
        self.samples, self.events = [], []
        data = text.encode("utf-8") + b"\0"
        status = self.lib.espeak_Synth(data, len(data), 0, 1, 0, 1, None, None)  # POS_CHARACTER, espeakCHARS_UTF8
        if status != 0:
            raise RuntimeError(f"espeak-ng failed on {text!r} (status {status})")
        self.lib.espeak_Synchronize()
        pcm = b"".join(self.samples)
        duration = len(pcm) / 2 / self.rate
        phonemes = []
        spoken = [(ms, p) for ms, p in self.events if p.strip()]
        for i, (ms, phoneme) in enumerate(spoken):
            end = spoken[i + 1][0] / 1000 if i + 1 < len(spoken) else duration
            phonemes.append({"phoneme": phoneme, "start": round(ms / 1000, 4), "end": round(max(end, ms / 1000), 4)})
        return pcm, phonemes


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="the corpus folder (created)")
    parser.add_argument("--size", type=int, default=300, help="how many utterances (default 300)")
    parser.add_argument("--seed", type=int, default=1, help="the sentence generator's seed (default 1)")
    parser.add_argument("--voice", default="en-us")
    parser.add_argument("--rate", type=int, default=160, help="words per minute (default 160)")
    args = parser.parse_args(argv)
    if args.size < 1:
        parser.error("--size must be at least 1")
    try:
        texts = sentences(args.size, args.seed)
    except ValueError as error:
        parser.error(str(error))
    os.makedirs(os.path.join(args.out, "wavs"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "alignments"), exist_ok=True)
    speaker = Espeak(args.voice, args.rate)
    rows = []
    for number, text in enumerate(texts, start=1):
        name = f"ES{args.seed:03d}-{number:04d}"
        pcm, phonemes = speaker.speak(text)
        with wave.open(os.path.join(args.out, "wavs", name + ".wav"), "wb") as file:
            file.setnchannels(1)
            file.setsampwidth(2)
            file.setframerate(speaker.rate)
            file.writeframes(pcm)
        with open(os.path.join(args.out, "alignments", name + ".json"), "w", encoding="utf-8") as file:
            json.dump({"text": text, "sample_rate": speaker.rate, "phonemes": phonemes}, file)
        rows.append(f"{name}|{text}|{text}")
    with open(os.path.join(args.out, "metadata.csv"), "w", encoding="utf-8") as file:
        file.write("\n".join(rows) + "\n")
    print(f"{len(rows)} utterances in {args.out} ({speaker.rate} Hz)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
