"""A compact Tacotron 2: convolutional encoder and BiLSTM, location-sensitive attention, prenet,
two-layer LSTM decoder emitting `reduction` frames per step, a stop gate and a postnet. Sized to
align on the espeak-ng corpus on 2 CPU cores within minutes."""
from __future__ import annotations

from typing import Dict, Tuple

import torch
from torch import nn
from torch.nn import functional as F


class Encoder(nn.Module):
    def __init__(self, symbols: int, width: int = 128) -> None:
        super().__init__()
        self.embedding = nn.Embedding(symbols, width, padding_idx=0)
        self.convolutions = nn.ModuleList(
            nn.Sequential(nn.Conv1d(width, width, 5, padding=2), nn.BatchNorm1d(width), nn.ReLU(), nn.Dropout(0.2))
            for _ in range(3))
        self.lstm = nn.LSTM(width, width // 2, batch_first=True, bidirectional=True)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.embedding(tokens).transpose(1, 2)
        for convolution in self.convolutions:
            x = convolution(x)
        packed = nn.utils.rnn.pack_padded_sequence(x.transpose(1, 2), lengths.cpu(), batch_first=True, enforce_sorted=False)
        output, _ = self.lstm(packed)
        return nn.utils.rnn.pad_packed_sequence(output, batch_first=True, total_length=tokens.shape[1])[0]


class LocationSensitiveAttention(nn.Module):
    def __init__(self, query: int, memory: int, width: int = 64, filters: int = 16, kernel: int = 15) -> None:
        super().__init__()
        self.query = nn.Linear(query, width, bias=False)
        self.memory = nn.Linear(memory, width, bias=False)
        self.location = nn.Conv1d(2, filters, kernel, padding=kernel // 2, bias=False)
        self.location_dense = nn.Linear(filters, width, bias=False)
        self.energy = nn.Linear(width, 1, bias=False)

    def forward(self, query, keys, memory, previous, cumulative, mask) -> Tuple[torch.Tensor, torch.Tensor]:
        location = self.location_dense(self.location(torch.stack([previous, cumulative], dim=1)).transpose(1, 2))
        energies = self.energy(torch.tanh(self.query(query).unsqueeze(1) + keys + location)).squeeze(-1)
        weights = torch.softmax(energies.masked_fill(~mask, float("-inf")), dim=-1)
        return torch.bmm(weights.unsqueeze(1), memory).squeeze(1), weights


class Tacotron2(nn.Module):
    def __init__(self, symbols: int, mels: int = 80, reduction: int = 2, width: int = 128, rnn: int = 256) -> None:
        super().__init__()
        self.mels, self.reduction, self.rnn = mels, reduction, rnn
        self.encoder = Encoder(symbols, width)
        self.prenet = nn.ModuleList([nn.Linear(mels, 64), nn.Linear(64, 64)])
        self.attention_rnn = nn.LSTMCell(64 + width, rnn)
        self.attention = LocationSensitiveAttention(rnn, width)
        self.decoder_rnn = nn.LSTMCell(rnn + width, rnn)
        self.projection = nn.Linear(rnn + width, mels * reduction)
        self.gate = nn.Linear(rnn + width, 1)
        self.postnet = nn.Sequential(
            nn.Conv1d(mels, width, 5, padding=2), nn.BatchNorm1d(width), nn.Tanh(), nn.Dropout(0.2),
            nn.Conv1d(width, width, 5, padding=2), nn.BatchNorm1d(width), nn.Tanh(), nn.Dropout(0.2),
            nn.Conv1d(width, mels, 5, padding=2))

    def _prenet(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.prenet:
            x = F.dropout(F.relu(layer(x)), p=0.5, training=True)  # always on, as in Tacotron 2
        return x

    def forward(self, batch: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Teacher-forced decoding: mel before and after the postnet (B×T×80), gate logits and
        attention per decoder step (B×S, B×S×N)."""
        tokens, token_lengths, mels = batch["tokens"], batch["token_lengths"], batch["mels"]
        memory = self.encoder(tokens, token_lengths)
        keys = self.attention.memory(memory)
        mask = torch.arange(tokens.shape[1]).unsqueeze(0) < token_lengths.unsqueeze(1)
        size, steps = tokens.shape[0], mels.shape[1] // self.reduction
        # The decoder's input at step s is the last frame of step s-1 (zeros first).
        previous_frames = torch.cat([mels.new_zeros(size, 1, self.mels), mels[:, self.reduction - 1::self.reduction][:, :-1]], dim=1)
        inputs = self._prenet(previous_frames)
        h1 = c1 = h2 = c2 = mels.new_zeros(size, self.rnn)
        context = mels.new_zeros(size, memory.shape[2])
        weights = cumulative = mels.new_zeros(size, tokens.shape[1])
        outputs, gates, alignments = [], [], []
        for s in range(steps):
            h1, c1 = self.attention_rnn(torch.cat([inputs[:, s], context], dim=-1), (h1, c1))
            context, weights = self.attention(h1, keys, memory, weights, cumulative, mask)
            cumulative = cumulative + weights
            h2, c2 = self.decoder_rnn(torch.cat([h1, context], dim=-1), (h2, c2))
            features = torch.cat([h2, context], dim=-1)
            outputs.append(self.projection(features))
            gates.append(self.gate(features).squeeze(-1))
            alignments.append(weights)
        before = torch.stack(outputs, dim=1).reshape(size, steps * self.reduction, self.mels)
        after = before + self.postnet(before.transpose(1, 2)).transpose(1, 2)
        return {"mel": before, "postnet": after, "gate": torch.stack(gates, dim=1), "attention": torch.stack(alignments, dim=1)}


def guided_attention_penalty(attention: torch.Tensor, steps: torch.Tensor, token_lengths: torch.Tensor, sigma: float = 0.2) -> torch.Tensor:
    """The mean of attention × (1 − exp(−(n/N − s/S)² / 2σ²)) over each utterance's valid region:
    a push towards the diagonal."""
    size, max_steps, max_tokens = attention.shape
    s = torch.arange(max_steps).view(1, -1, 1) / steps.view(-1, 1, 1).float()
    n = torch.arange(max_tokens).view(1, 1, -1) / token_lengths.view(-1, 1, 1).float()
    prior = 1 - torch.exp(-((n - s) ** 2) / (2 * sigma * sigma))
    valid = (torch.arange(max_steps).view(1, -1, 1) < steps.view(-1, 1, 1)) & (torch.arange(max_tokens).view(1, 1, -1) < token_lengths.view(-1, 1, 1))
    return (attention * prior * valid).sum() / valid.sum()


def losses(model_output: Dict[str, torch.Tensor], batch: Dict[str, torch.Tensor], guided_weight: float,
           guided_sigma: float = 0.2) -> Dict[str, torch.Tensor]:
    """mel (before + after postnet, masked MSE), gate (BCE over valid steps), guided attention
    (its band's width `guided_sigma`)."""
    frames = torch.arange(batch["mels"].shape[1]).view(1, -1, 1) < batch["frame_lengths"].view(-1, 1, 1)
    count = frames.sum() * batch["mels"].shape[2]
    mel = (((model_output["mel"] - batch["mels"]) ** 2 + (model_output["postnet"] - batch["mels"]) ** 2) * frames).sum() / count
    valid = torch.arange(batch["gates"].shape[1]).view(1, -1) < batch["steps"].view(-1, 1)
    gate = F.binary_cross_entropy_with_logits(model_output["gate"][valid], batch["gates"][valid], pos_weight=torch.tensor(5.0))
    guided = guided_attention_penalty(model_output["attention"], batch["steps"], batch["token_lengths"], guided_sigma)
    total = mel + gate + guided_weight * guided
    return {"total": total, "mel": mel, "gate": gate, "guided": guided}
