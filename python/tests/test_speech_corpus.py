"""scripts/make-speech-corpus.sh: an LJSpeech-layout corpus from espeak-ng, with phoneme timings."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import wave

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "scripts", "make-speech-corpus.sh")

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is installed by scripts/install-deps.sh")


def make(out, *args):
    subprocess.run([SCRIPT, "--out", str(out), *args], check=True, timeout=300, capture_output=True)
    with open(out / "metadata.csv", encoding="utf-8") as file:
        return [line.rstrip("\n").split("|") for line in file]


def test_an_ljspeech_layout_with_the_true_alignment_of_every_utterance(tmp_path):
    rows = make(tmp_path / "c", "--size", "6", "--seed", "4")
    assert len(rows) == 6 and all(len(row) == 3 and row[1] == row[2] and row[1].endswith(".") for row in rows)
    assert len({row[1] for row in rows}) == 6
    for name, text, _ in rows:
        with wave.open(str(tmp_path / "c" / "wavs" / f"{name}.wav")) as audio:
            assert audio.getnchannels() == 1 and audio.getsampwidth() == 2 and audio.getframerate() == 22050
            duration = audio.getnframes() / audio.getframerate()
        assert 0.8 < duration < 6, f"{text}: {duration} s"
        alignment = json.load(open(tmp_path / "c" / "alignments" / f"{name}.json"))
        phonemes = alignment["phonemes"]
        assert alignment["text"] == text and len(phonemes) >= len(text.split())
        starts = [p["start"] for p in phonemes]
        assert starts == sorted(starts) and all(p["end"] >= p["start"] for p in phonemes)
        assert abs(phonemes[-1]["end"] - duration) < 1e-3


def test_the_same_size_and_seed_give_the_same_corpus_and_another_seed_another(tmp_path):
    first, again, other = (make(tmp_path / n, "--size", "5", "--seed", s) for n, s in (("a", "7"), ("b", "7"), ("c", "8")))
    assert first == again and first != other
    assert (tmp_path / "a" / "wavs" / f"{first[0][0]}.wav").read_bytes() == (tmp_path / "b" / "wavs" / f"{first[0][0]}.wav").read_bytes()


def test_a_size_the_grammar_cannot_fill_is_refused(tmp_path):
    result = subprocess.run([SCRIPT, "--out", str(tmp_path / "x"), "--size", "999999"], capture_output=True, timeout=120)
    assert result.returncode != 0 and b"distinct sentences the grammar makes" in result.stderr
