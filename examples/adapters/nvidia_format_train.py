#!/usr/bin/env python3
"""A stand-in for NVIDIA/tacotron2's train.py that prints exactly its formats, for the adapter's
NVIDIA preset test. The real script needs TensorFlow 1 (for --hparams) and apex and does not
install on current Python; this one keeps its command line, its output, its checkpoint files and
its resume behaviour, and trains a small least-squares model instead of Tacotron 2 (standard
library only), so that a too-high learning rate really diverges.

What is copied from github.com/NVIDIA/tacotron2 @185cd24e046cc1304b4f8e564734d2498c6e2e6f
(train.py, hparams.py), line numbers of that commit:
- the arguments -o/--output_directory, -l/--log_directory, -c/--checkpoint_path, --warm_start,
  --n_gpus, --rank, --group_name, --hparams (train.py:259-275), --hparams as comma-separated
  name=value pairs (hparams.py:88-90);
- "Train loss {} {:.6f} Grad Norm {:.6f} {:.2f}s/it" on every iteration (train.py:240-241),
  "Validation loss {}: {:9f}  " (train.py:145), "Epoch: {}" (train.py:207), "Saving model and
  optimizer state at iteration {} to {}" (train.py:113-114), "Loaded checkpoint '{}' from
  iteration {}" (train.py:107-108), all with print() to stdout;
- validation and a checkpoint "checkpoint_{iteration}" (no extension, none deleted) whenever
  iteration % iters_per_checkpoint == 0, iteration 0 included (train.py:245-253);
- iterations count from 0; -c loads the optimizer state and continues at iteration + 1, epoch
  offset iteration // len(train_loader) (train.py:196-201); the learning rate comes from the
  checkpoint only with use_saved_learning_rate (train.py:198-199, hparams.py:80).
"""
import argparse
import json
import math
import os
import random
import time

DIMENSIONS = 8
BATCHES_PER_EPOCH = 25


def create_hparams(text):
    """hparams.py's defaults that matter here, then the --hparams overrides."""
    values = {"epochs": 500, "iters_per_checkpoint": 1000, "seed": 1234, "learning_rate": 1e-3, "batch_size": 64,
              "grad_clip_thresh": 100.0, "use_saved_learning_rate": False,
              # The stand-in's own: seconds each iteration takes (the real one takes what the GPU takes).
              "step_seconds": 0.01}
    for pair in filter(None, (text or "").split(",")):
        name, _, value = pair.partition("=")
        name = name.strip()
        if name not in values:
            raise SystemExit(f"Unknown hyperparameter {name!r} in --hparams; known: {', '.join(sorted(values))}")
        kind = type(values[name])
        values[name] = (value.strip().lower() == "true") if kind is bool else kind(float(value)) if kind is int else kind(value)
    return values


def batches(hparams, epoch):
    rng = random.Random(hparams["seed"] * 1000 + epoch)
    target = [math.sin(i + 1) for i in range(DIMENSIONS)]
    for _ in range(BATCHES_PER_EPOCH):
        noise = 1.0 / math.sqrt(hparams["batch_size"])
        yield [t + rng.gauss(0, noise) for t in target]


def loss_of(weights, batch):
    return sum((w - y) ** 2 for w, y in zip(weights, batch)) / 2


def validate(weights):
    target = [math.sin(i + 1) for i in range(DIMENSIONS)]
    return loss_of(weights, target)


def save_checkpoint(weights, learning_rate, iteration, filepath):
    print("Saving model and optimizer state at iteration {} to {}".format(iteration, filepath))
    with open(filepath + ".partial", "w") as file:
        json.dump({"iteration": iteration, "state_dict": weights, "learning_rate": learning_rate}, file)
    os.replace(filepath + ".partial", filepath)


def train(output_directory, checkpoint_path, hparams):
    os.makedirs(output_directory, exist_ok=True)
    learning_rate = hparams["learning_rate"]
    weights = [0.0] * DIMENSIONS
    iteration = 0
    epoch_offset = 0
    if checkpoint_path is not None:
        with open(checkpoint_path) as file:
            checkpoint = json.load(file)
        weights = checkpoint["state_dict"]
        iteration = checkpoint["iteration"]
        print("Loaded checkpoint '{}' from iteration {}".format(checkpoint_path, iteration))
        if hparams["use_saved_learning_rate"]:
            learning_rate = checkpoint["learning_rate"]
        iteration += 1  # next iteration is iteration + 1
        epoch_offset = max(0, int(iteration / BATCHES_PER_EPOCH))
    for epoch in range(epoch_offset, hparams["epochs"]):
        print("Epoch: {}".format(epoch))
        for i, batch in enumerate(batches(hparams, epoch)):
            if epoch * BATCHES_PER_EPOCH + i < iteration:
                continue  # the batches this epoch had before the checkpoint
            start = time.perf_counter()
            reduced_loss = loss_of(weights, batch)
            gradient = [w - y for w, y in zip(weights, batch)]
            grad_norm = math.sqrt(sum(g * g for g in gradient))
            scale = min(1.0, hparams["grad_clip_thresh"] / grad_norm) if grad_norm > 0 and math.isfinite(grad_norm) else 1.0
            weights = [w - learning_rate * g * scale for w, g in zip(weights, gradient)]
            duration = time.perf_counter() - start
            print("Train loss {} {:.6f} Grad Norm {:.6f} {:.2f}s/it".format(iteration, reduced_loss, grad_norm, duration))
            if iteration % hparams["iters_per_checkpoint"] == 0:
                val_loss = validate(weights)
                print("Validation loss {}: {:9f}  ".format(iteration, val_loss))
                save_checkpoint(weights, learning_rate, iteration, os.path.join(output_directory, "checkpoint_{}".format(iteration)))
            iteration += 1
            time.sleep(hparams["step_seconds"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("-o", "--output_directory", type=str, help="directory to save checkpoints")
    parser.add_argument("-l", "--log_directory", type=str, help="directory to save tensorboard logs")
    parser.add_argument("-c", "--checkpoint_path", type=str, default=None, required=False, help="checkpoint path")
    parser.add_argument("--warm_start", action="store_true", help="load model weights only, ignore specified layers")
    parser.add_argument("--n_gpus", type=int, default=1, required=False, help="number of gpus")
    parser.add_argument("--rank", type=int, default=0, required=False, help="rank of current gpu")
    parser.add_argument("--group_name", type=str, default="group_name", required=False, help="Distributed group name")
    parser.add_argument("--hparams", type=str, required=False, help="comma separated name=value pairs")
    args = parser.parse_args()
    hparams = create_hparams(args.hparams)
    print("FP16 Run:", False)
    print("Dynamic Loss Scaling:", True)
    print("Distributed Run:", False)
    print("cuDNN Enabled:", True)
    print("cuDNN Benchmark:", False)
    train(args.output_directory, args.checkpoint_path, hparams)
