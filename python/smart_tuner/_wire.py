"""The JSON lines of SmartTuner's worker protocol (docs/protocol.md), version 2."""
from __future__ import annotations

import json
from typing import Any, Dict, Optional

PROTOCOL_VERSION = 2


class ProtocolError(Exception):
    """A line from the tuner that is not what the protocol allows."""


def encode(event: Dict[str, Any]) -> bytes:
    """One event as a line of JSON with its newline. Non-finite numbers are written as the bare
    tokens ``NaN`` and ``Infinity`` (the tuner reads them)."""
    return (json.dumps(event, allow_nan=True, separators=(",", ":")) + "\n").encode("utf-8")


def number(value: Any, name: str) -> float:
    """A loss or figure as a float: Python numbers, numpy scalars, 0-d torch tensors."""
    if type(value) is float:
        return value
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a number (or a 0-d tensor), not {type(value).__name__}") from error


def losses_dict(losses: Any, what: str) -> Dict[str, float]:
    """Loss components by name; a bare number is the ``total``."""
    if isinstance(losses, dict):
        if not losses:
            raise ValueError(f"{what} losses are empty; give at least {{'total': loss}}")
        return {str(name): number(value, f"{what} loss '{name}'") for name, value in losses.items()}
    return {"total": number(losses, f"{what} loss")}


class Command:
    """One command line from the tuner."""

    __slots__ = ("kind", "request")

    def __init__(self, kind: str, request: Optional[Dict[str, Any]] = None) -> None:
        self.kind = kind
        self.request = request

    def __repr__(self) -> str:
        return f"Command({self.kind!r})"


KNOWN_COMMANDS = ("stop", "checkpoint", "pause", "restart")


def decode_command(line: bytes) -> Optional[Command]:
    """The command in a line, or ``None`` for a line this client does not know (ignored, as
    the protocol asks)."""
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(value, dict) or value.get("command") not in KNOWN_COMMANDS:
        return None
    kind = value["command"]
    if kind == "restart":
        request = value.get("request")
        if not isinstance(request, dict):
            return None
        return Command(kind, request)
    return Command(kind)
