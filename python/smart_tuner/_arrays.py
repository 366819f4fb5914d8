"""Attention, gate logits and true alignments as the client hands them to the tuner: numpy
arrays, torch tensors or nested lists, batched and padded, saved as ``.npy`` files.

numpy is used when it is installed; without it, nested lists are written with the standard
library's :mod:`array` module in the same ``.npy`` format.
"""
from __future__ import annotations

import array
import struct
import sys
from typing import Any, List, Optional, Tuple

try:  # numpy is optional
    import numpy as _np
except ImportError:  # pragma: no cover - exercised by the no-numpy test in a subprocess
    _np = None


def _from_torch(value: Any) -> Any:
    """A CPU copy of a torch tensor (bfloat16 and other non-numpy types as float32)."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        tensor = value.detach().cpu()
        if str(tensor.dtype) not in ("torch.float16", "torch.float32", "torch.float64") and tensor.is_floating_point():
            tensor = tensor.float()
        return tensor.numpy() if _np is not None else tensor.tolist()
    return value


class Batch:
    """A padded array ready to be written: C-ordered values, shape and npy dtype."""

    __slots__ = ("data", "shape", "descr")

    def __init__(self, data: Any, shape: Tuple[int, ...], descr: str) -> None:
        self.data = data
        self.shape = shape
        self.descr = descr

    def save(self, path: str) -> None:
        """Writes the array as a version-1 ``.npy`` file."""
        if _np is not None and isinstance(self.data, _np.ndarray):
            with open(path, "wb") as file:
                _np.save(file, self.data, allow_pickle=False)
            return
        header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (
            self.descr, "(%d,)" % self.shape[0] if len(self.shape) == 1 else "(" + ", ".join(map(str, self.shape)) + ")")
        header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
        with open(path, "wb") as file:
            file.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
            values = self.data
            if sys.byteorder != "little":
                values = array.array(values.typecode, values)
                values.byteswap()
            file.write(values.tobytes())


def _flatten(value: Any, depth: int, name: str) -> Tuple[List[float], Tuple[int, ...]]:
    """Flattens nested lists of equal lengths (a padded batch) to values and shape."""
    shape: List[int] = []
    level = value
    for _ in range(depth):
        if not isinstance(level, (list, tuple)):
            raise ValueError(f"{name} must be nested {depth} deep (a padded batch); found {type(level).__name__}")
        shape.append(len(level))
        level = level[0] if level else []
    flat: List[float] = []

    def walk(item: Any, level: int) -> None:
        if level == depth:
            if isinstance(item, (list, tuple)):
                raise ValueError(f"{name} is ragged or deeper than {depth} dimensions (shape {tuple(shape)}): pad every utterance to the same length")
            flat.append(item)
            return
        if not isinstance(item, (list, tuple)) or len(item) != shape[level]:
            raise ValueError(f"{name} is ragged: pad every utterance to the same length (shape {tuple(shape)})")
        for child in item:
            walk(child, level + 1)

    walk(value, 0)
    return flat, tuple(shape)


def as_batch(value: Any, *, name: str, ndim: int, floating: bool, limit: Optional[int]) -> Batch:
    """A padded batch of ``ndim`` dimensions, the first the utterances (one less: a single
    utterance), cut to the first ``limit`` utterances and copied, so the script may reuse its
    buffers at once. Floating values stay float16 or float32 (others become float32); a
    trailing dimension of 1 is dropped (gate outputs shaped B × T × 1)."""
    value = _from_torch(value)
    if _np is not None:
        try:
            arr = _np.asarray(value)
        except ValueError as error:
            raise ValueError(f"{name} is ragged: pad every utterance to the same length ({error})") from None
        if arr.dtype == object:
            raise ValueError(f"{name} is ragged: pad every utterance to the same length")
        if arr.ndim == ndim + 1 and arr.shape[-1] == 1:
            arr = arr[..., 0]
        if floating:
            if arr.dtype not in (_np.float16, _np.float32):
                arr = arr.astype(_np.float32)
        elif not _np.issubdtype(arr.dtype, _np.integer):
            if arr.size and not _np.all(_np.equal(_np.mod(arr, 1), 0)):
                raise ValueError(f"{name} must hold whole token indices")
            arr = arr.astype(_np.int64)
        if arr.ndim not in (ndim, ndim - 1):
            raise ValueError(f"{name} has shape {arr.shape}; expected {ndim} dimensions (a padded batch) or {ndim - 1} (one utterance)")
        if limit is not None and arr.ndim == ndim:
            arr = arr[:limit]
        arr = _np.array(arr, copy=True, order="C")
        return Batch(arr, tuple(int(n) for n in arr.shape), arr.dtype.str)
    try:
        flat, shape = _flatten(value, ndim, name)
    except ValueError as error:
        try:
            flat, shape = _flatten(value, ndim - 1, name)
        except ValueError:
            raise error from None
    if limit is not None and len(shape) == ndim and shape[0] > limit:
        per = 1
        for size in shape[1:]:
            per *= size
        flat, shape = flat[: limit * per], (limit,) + shape[1:]
    if floating:
        return Batch(array.array("f", (float(x) for x in flat)), shape, "<f4")
    return Batch(array.array("q", (int(x) for x in flat)), shape, "<i8")


def as_lengths(value: Any, name: str) -> List[int]:
    """Per-utterance lengths as ints (lists, tuples, numpy arrays, torch tensors)."""
    value = _from_torch(value)
    if _np is not None and isinstance(value, _np.ndarray):
        value = value.tolist()
    try:
        return [int(x) for x in value]
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a sequence of whole numbers, one per utterance") from error
