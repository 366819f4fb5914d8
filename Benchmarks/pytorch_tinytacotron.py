#!/usr/bin/env python3
"""TinyTacotron in PyTorch: the side-by-side reference for SmartTuner's built-in model.

Same architecture, sizes and losses as Sources/TinyTacotron (120 961 parameters at the
defaults), the same kind of synthetic corpus, one thread. Run by hand, not in CI:

    pip install torch numpy
    python3 Benchmarks/pytorch_tinytacotron.py --steps 60

It prints the median time of a training step (forward, backward, clip, AdamW) and frames/s,
to compare with `swift package --package-path Benchmarks benchmark --target TinyTacotronBenchmarks`.
"""
import argparse
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def make_corpus(count, seed, vocab=32, mels=16, durations=(2, 6), tokens=(10, 20), noise=0.05):
    rng = np.random.default_rng(seed)
    templates = rng.uniform(-1, 1, size=(vocab, mels)).astype(np.float32)
    corpus = []
    for _ in range(count):
        text = rng.integers(1, vocab, size=rng.integers(tokens[0], tokens[1] + 1))
        lengths = rng.integers(durations[0], durations[1] + 1, size=len(text))
        frames = np.repeat(templates[text], lengths, axis=0)
        frames = frames + rng.normal(0, noise, size=frames.shape).astype(np.float32)
        corpus.append((text, frames.astype(np.float32)))
    return corpus


def make_batch(items):
    B = len(items)
    N = max(len(t) for t, _ in items)
    T = max(len(f) for _, f in items)
    mels = items[0][1].shape[1]
    text = torch.zeros(B, N, dtype=torch.long)
    target = torch.zeros(T, B, mels)
    stop = torch.zeros(T, B)
    token_lengths = torch.tensor([len(t) for t, _ in items])
    frame_lengths = torch.tensor([len(f) for _, f in items])
    for b, (t, f) in enumerate(items):
        text[b, : len(t)] = torch.from_numpy(t)
        target[: len(f), b] = torch.from_numpy(f)
        stop[len(f) - 1, b] = 1
    return text, token_lengths, target, frame_lengths, stop


class TinyTacotron(nn.Module):
    def __init__(self, vocab=32, mels=16, enc=64, prenet=32, dec=128, att=32, filters=8, kernel=15):
        super().__init__()
        self.embedding = nn.Embedding(vocab, enc)
        self.conv = nn.Conv1d(enc, enc, 5, padding=2)
        self.prenet1 = nn.Linear(mels, prenet)
        self.prenet2 = nn.Linear(prenet, prenet)
        self.gru = nn.GRUCell(prenet + enc, dec)
        self.query = nn.Linear(dec, att, bias=False)
        self.key = nn.Linear(enc, att, bias=False)
        self.location_conv = nn.Conv1d(2, filters, kernel, padding=kernel // 2, bias=False)
        self.location_dense = nn.Linear(filters, att, bias=False)
        self.attention_bias = nn.Parameter(torch.zeros(att))
        self.v = nn.Linear(att, 1, bias=False)
        self.mel = nn.Linear(dec + enc, mels)
        self.stop = nn.Linear(dec + enc, 1)
        self.dec = dec

    def forward(self, text, token_lengths, target):
        B, N = text.shape
        T = target.shape[0]
        mask = torch.arange(N)[None, :] < token_lengths[:, None]
        x = self.embedding(text) * mask[..., None]
        h = x.transpose(1, 2)
        enc = (h + F.relu(self.conv(h))).transpose(1, 2) * mask[..., None]
        keys = self.key(enc)
        previous = torch.cat([torch.zeros_like(target[:1]), target[:-1]], 0)
        pre = F.dropout(F.relu(self.prenet1(previous)), 0.5, training=True)
        pre = F.dropout(F.relu(self.prenet2(pre)), 0.5, training=True)
        hidden = torch.zeros(B, self.dec)
        context = torch.zeros(B, enc.shape[2])
        alpha = torch.zeros(B, N)
        cumulative = torch.zeros(B, N)
        outputs, alphas = [], []
        for t in range(T):
            hidden = self.gru(torch.cat([pre[t], context], 1), hidden)
            query = self.query(F.dropout(hidden, 0.1, training=self.training))
            location = self.location_conv(torch.stack([alpha, cumulative], 1)).transpose(1, 2)
            energy = self.v(torch.tanh(query[:, None] + keys + self.location_dense(location) + self.attention_bias))
            energy = energy.squeeze(2).masked_fill(~mask, -1e9)
            alpha = torch.softmax(energy, 1)
            cumulative = cumulative + alpha
            context = torch.bmm(alpha[:, None], enc).squeeze(1)
            outputs.append(torch.cat([F.dropout(hidden, 0.1, training=self.training), context], 1))
            alphas.append(alpha)
        out = torch.stack(outputs)
        return self.mel(out), self.stop(out).squeeze(2), torch.stack(alphas)


def losses(model_out, target, stop, frame_lengths, token_lengths, guided_weight=1.0, g=0.2):
    mel, stop_logits, alphas = model_out
    T, B, M = target.shape
    N = alphas.shape[2]
    frames = (torch.arange(T)[:, None] < frame_lengths[None, :]).float()
    count = frames.sum()
    mel_loss = (((mel - target) ** 2).sum(2) * frames).sum() / (count * M)
    bce = F.binary_cross_entropy_with_logits(stop_logits, stop, pos_weight=torch.tensor(5.0), reduction="none")
    stop_loss = (bce * frames).sum() / count
    n = torch.arange(N)[None, None, :] / token_lengths[None, :, None]
    t = torch.arange(T)[:, None, None] / frame_lengths[None, :, None]
    W = 1 - torch.exp(-((n - t) ** 2) / (2 * g * g))
    tokens = (torch.arange(N)[None, None, :] < token_lengths[None, :, None]).float()
    guided = ((alphas * W * tokens).sum(2) * frames).sum() / count
    return mel_loss + stop_loss + guided_weight * guided


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    corpus = make_corpus(1024, seed=1)
    model = TinyTacotron()
    print("parameters:", sum(p.numel() for p in model.parameters()))
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-6)
    rng = np.random.default_rng(2)
    times, frame_rates = [], []
    for step in range(args.steps + 5):
        items = [corpus[i] for i in rng.integers(0, len(corpus), size=args.batch)]
        text, token_lengths, target, frame_lengths, stop = make_batch(items)
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = losses(model(text, token_lengths, target), target, stop, frame_lengths, token_lengths)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        elapsed = time.perf_counter() - start
        if step >= 5:
            times.append(elapsed)
            frame_rates.append(float(frame_lengths.sum()) / elapsed)
    print(f"training step: median {statistics.median(times) * 1e3:.1f} ms, "
          f"{1 / statistics.median(times):.2f} steps/s, median {statistics.median(frame_rates):.0f} frames/s, "
          f"last loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
