"""Option schemas and values, with the Go SDK's normalisation rules."""

import dataclasses
import math
from typing import Any

from . import discriminator_pb2 as pb

# Option types (the protocol's OptionType values).
INT, FLOAT, BOOL, STRING, INT_LIST, FLOAT_LIST = 1, 2, 3, 4, 5, 6
TYPE_NAMES = {INT: "int", FLOAT: "float", BOOL: "bool", STRING: "string", INT_LIST: "[]int", FLOAT_LIST: "[]float"}


@dataclasses.dataclass
class Option:
    """One option of a discriminator's schema; configs set it under the block's options."""

    name: str
    type: int
    default: Any
    doc: str = ""


def _describe(v):
    if v is None:
        return "null"
    return f"{type(v).__name__} {v}"


def _to_int(v):
    if isinstance(v, bool):
        raise ValueError(f"expected int, got {_describe(v)}")
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if v != math.trunc(v) or abs(v) > 2 ** 53:
            raise ValueError(f"expected int, got {v}")
        return int(v)
    raise ValueError(f"expected int, got {_describe(v)}")


def _to_float(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"expected float, got {_describe(v)}")
    return float(v)


def _to_list(v, conv):
    if not isinstance(v, (list, tuple)):
        raise ValueError(f"expected list, got {_describe(v)}")
    out = []
    for i, e in enumerate(v):
        try:
            out.append(conv(e))
        except ValueError as err:
            raise ValueError(f"[{i}]: {err}") from None
    return out


def normalize(t, v):
    """Converts v to the Python type of option type t (int, float, bool, str, list of int,
    list of float), as the Go SDK's Normalize: integral floats are ints, ints are floats,
    anything else of another type is a ValueError."""
    if t == INT:
        return _to_int(v)
    if t == FLOAT:
        return _to_float(v)
    if t == BOOL:
        if not isinstance(v, bool):
            raise ValueError(f"expected bool, got {_describe(v)}")
        return v
    if t == STRING:
        if not isinstance(v, str):
            raise ValueError(f"expected string, got {_describe(v)}")
        return v
    if t == INT_LIST:
        return _to_list(v, _to_int)
    if t == FLOAT_LIST:
        return _to_list(v, _to_float)
    raise ValueError(f"unknown option type {t}")


def value_to_proto(t, v):
    n = normalize(t, v)
    if t == INT:
        return pb.Value(int=n)
    if t == FLOAT:
        return pb.Value(float=n)
    if t == BOOL:
        return pb.Value(bool=n)
    if t == STRING:
        return pb.Value(string=n)
    if t == INT_LIST:
        return pb.Value(ints=pb.IntList(values=n))
    return pb.Value(floats=pb.FloatList(values=n))


def value_from_proto(t, v):
    kind = v.WhichOneof("kind")
    if kind is None:
        raise ValueError("missing value")
    raw = getattr(v, kind)
    if kind in ("ints", "floats"):
        raw = list(raw.values)
    return normalize(t, raw)
