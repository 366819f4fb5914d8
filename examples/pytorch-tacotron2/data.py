"""The espeak-ng corpus (scripts/make-speech-corpus.sh) as Tacotron batches: phoneme tokens,
log-mel frames, and for each frame the phoneme espeak-ng was speaking (the true alignment)."""
from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import wave
from typing import Dict, List, Tuple

import numpy as np
import torch

SAMPLE_RATE, N_FFT, HOP, N_MELS = 22050, 1024, 256, 80
PAD = 0


def ensure_corpus(path: str, size: int = 300, seed: int = 1) -> None:
    """Makes the corpus with the repository's script when it is missing (offline, seconds)."""
    if os.path.exists(os.path.join(path, "metadata.csv")):
        return
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "make-speech-corpus.sh")
    subprocess.run([script, "--out", path, "--size", str(size), "--seed", str(seed)], check=True)


def mel_filters(n_mels: int = N_MELS, n_fft: int = N_FFT, rate: int = SAMPLE_RATE) -> torch.Tensor:
    """Triangular filters equally spaced on the mel scale (HTK formula), n_mels × (n_fft/2+1)."""
    def mel(f):
        return 2595 * np.log10(1 + f / 700)

    def hz(m):
        return 700 * (10 ** (m / 2595) - 1)

    bins = np.floor((n_fft + 1) * hz(np.linspace(mel(0), mel(rate / 2), n_mels + 2)) / rate).astype(int)
    filters = np.zeros((n_mels, n_fft // 2 + 1), dtype=np.float32)
    for m in range(1, n_mels + 1):
        left, centre, right = bins[m - 1], bins[m], bins[m + 1]
        for k in range(left, centre):
            filters[m - 1, k] = (k - left) / max(1, centre - left)
        for k in range(centre, right):
            filters[m - 1, k] = (right - k) / max(1, right - centre)
    return torch.from_numpy(filters)


def log_mel(samples: np.ndarray, filters: torch.Tensor) -> torch.Tensor:
    """T × 80 log-mel frames of 16-bit samples."""
    audio = torch.from_numpy(samples.astype(np.float32) / 32768.0)
    spectrum = torch.stft(audio, N_FFT, hop_length=HOP, window=torch.hann_window(N_FFT), return_complex=True).abs()
    return torch.log(torch.clamp(filters @ spectrum, min=1e-5)).T.contiguous()


class Corpus:
    """Every utterance as (tokens, mel, true alignment per frame), features cached beside it."""

    def __init__(self, path: str) -> None:
        with open(os.path.join(path, "metadata.csv"), encoding="utf-8") as file:
            names = [line.split("|", 1)[0] for line in file if line.strip()]
        digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:12]
        cache = os.path.join(path, f"features-{digest}.pt")
        if os.path.exists(cache):
            saved = torch.load(cache)
        else:
            saved = self._compute(path, names)
            torch.save(saved, cache)
        self.vocabulary: List[str] = saved["vocabulary"]
        self.items: List[Tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = saved["items"]
        self.mel_mean, self.mel_std = saved["mel_mean"], saved["mel_std"]

    @staticmethod
    def _compute(path: str, names: List[str]) -> Dict:
        filters = mel_filters()
        raw = []
        symbols = set()
        for name in names:
            with wave.open(os.path.join(path, "wavs", name + ".wav")) as audio:
                samples = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")
            phonemes = json.load(open(os.path.join(path, "alignments", name + ".json")))["phonemes"]
            symbols.update(p["phoneme"] for p in phonemes)
            raw.append((phonemes, log_mel(samples, filters)))
        vocabulary = ["<pad>"] + sorted(symbols)
        index = {symbol: i for i, symbol in enumerate(vocabulary)}
        items = []
        for phonemes, mel in raw:
            tokens = torch.tensor([index[p["phoneme"]] for p in phonemes], dtype=torch.long)
            times = (torch.arange(mel.shape[0], dtype=torch.float32) + 0.5) * HOP / SAMPLE_RATE
            starts = torch.tensor([p["start"] for p in phonemes])
            truth = torch.clamp(torch.searchsorted(starts, times, right=True) - 1, 0, len(phonemes) - 1)
            items.append((tokens, mel, truth))
        frames = torch.cat([mel for _, mel, _ in items])
        return {"vocabulary": vocabulary, "items": items, "mel_mean": frames.mean(0), "mel_std": frames.std(0) + 1e-5}

    def split(self, held_out: int) -> Tuple[List[int], List[int]]:
        """Training and held-out utterance indices (the last `held_out` are held out)."""
        count = len(self.items)
        return list(range(count - held_out)), list(range(count - held_out, count))

    def batch(self, indices: List[int], reduction: int) -> Dict[str, torch.Tensor]:
        """A padded batch: tokens B×N, normalised mels B×T×80 (T a multiple of the reduction),
        gate targets per decoder step B×(T/r), true alignment per decoder step B×(T/r), lengths."""
        chosen = [self.items[i] for i in indices]
        token_lengths = torch.tensor([len(t) for t, _, _ in chosen])
        frame_lengths = torch.tensor([m.shape[0] for _, m, _ in chosen])
        steps = torch.tensor([math.ceil(n / reduction) for n in frame_lengths.tolist()])
        tokens = torch.full((len(chosen), int(token_lengths.max())), PAD, dtype=torch.long)
        mels = torch.zeros(len(chosen), int(steps.max()) * reduction, N_MELS)
        gates = torch.zeros(len(chosen), int(steps.max()))
        truth = torch.zeros(len(chosen), int(steps.max()), dtype=torch.long)
        for b, (t, m, a) in enumerate(chosen):
            tokens[b, : len(t)] = t
            mels[b, : m.shape[0]] = (m - self.mel_mean) / self.mel_std
            gates[b, int(steps[b]) - 1:] = 1
            truth[b, : int(steps[b])] = a[::reduction][: int(steps[b])]
        return {"tokens": tokens, "token_lengths": token_lengths, "mels": mels, "frame_lengths": frame_lengths,
                "steps": steps, "gates": gates, "truth": truth}
