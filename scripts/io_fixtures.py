#!/usr/bin/env python3
"""Regenerates the committed test fixtures of dev.tokenmix.core.io (safetensors and .npy files).

The Java tests never run Python; they read the files this script wrote and compare them with values
they hard-code. Run it only to rebuild the fixtures:

    python3 -m pip install numpy safetensors   # written with numpy 2.4.6, safetensors 0.8.0
    python3 scripts/io_fixtures.py

The safetensors file is written by the reference implementation (the Rust crate behind the
`safetensors` package), every dtype included: BF16 and FP8 are passed as raw bytes.
"""
import os

import numpy as np
import safetensors
from safetensors import TensorSpec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RES = os.path.join(ROOT, "tokenmix-core", "src", "test", "resources", "io")


def safetensors_reference():
    arrays = {
        "f64": ("float64", np.arange(6, dtype="<f8").reshape(2, 3) * 0.5 - 1.0),
        "f32": ("float32", np.array([0.0, -0.0, 1.5, -2.25, np.inf, -np.inf], dtype="<f4").reshape(3, 2)),
        "f16": ("float16", np.array([1.0, -2.5, 65504.0, 2.0 ** -24], dtype="<f2")),
        # bfloat16 bits of 1.0, -3.0, 3.140625, 0.0
        "bf16": ("bfloat16", np.array([0x3F80, 0xC040, 0x4049, 0x0000], dtype="<u2").reshape(2, 2)),
        "i64": ("int64", np.array([-(2 ** 63), 0, 2 ** 63 - 1], dtype="<i8")),
        "i32": ("int32", np.array([-(2 ** 31), -1, 7, 2 ** 31 - 1], dtype="<i4").reshape(2, 2)),
        "i16": ("int16", np.array([-32768, 1, 32767], dtype="<i2")),
        "i8": ("int8", np.array([-128, 127], dtype="i1")),
        "u8": ("uint8", np.array([0, 128, 255], dtype="u1")),
        "u16": ("uint16", np.array([0, 65535], dtype="<u2")),
        "u32": ("uint32", np.array([0, 2 ** 32 - 1], dtype="<u4")),
        "u64": ("uint64", np.array([0, 2 ** 64 - 1], dtype="<u8")),
        "bool": ("bool", np.array([True, False, False, True]).reshape(2, 2)),
        "scalar": ("float32", np.array(3.5, dtype="<f4")),
        "empty": ("float32", np.zeros((0, 4), dtype="<f4")),
        # float8_e4m3fn bytes of 1.0, 448, -448, 2^-9, NaN, 0
        "f8_e4m3": ("float8_e4m3fn", np.array([0x38, 0x7E, 0xFE, 0x01, 0x7F, 0x00], dtype="u1")),
        # float8_e5m2 bytes of 1.0, inf, 2^-16, -2.0
        "f8_e5m2": ("float8_e5m2", np.array([0x3C, 0x7C, 0x01, 0xC0], dtype="u1")),
    }
    specs = {}
    alive = []  # the specs hold raw pointers into these arrays until serialize_file has returned
    for name, (dtype, a) in arrays.items():
        a = np.array(a, order="C", copy=True)  # ascontiguousarray would make a 0-d array 1-d
        alive.append(a)
        specs[name] = TensorSpec(dtype=dtype, shape=list(a.shape), data_ptr=a.ctypes.data, data_len=a.nbytes)
    out = os.path.join(RES, "safetensors", "reference.safetensors")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    safetensors.serialize_file(specs, out, metadata={"format": "pt", "source": "tokenmix io fixture"})
    os.chmod(out, 0o644)
    # check the file with the reference reader
    with open(out, "rb") as f:
        loaded = dict(safetensors.deserialize(f.read()))
    for name, a in zip(arrays, alive):
        assert bytes(loaded[name]["data"]) == a.tobytes(), name


def npy_fixtures():
    d = os.path.join(RES, "npy")
    os.makedirs(d, exist_ok=True)

    def save(name, a, version=None, allow_pickle=False):
        with open(os.path.join(d, name), "wb") as f:
            np.lib.format.write_array(f, a, version=version, allow_pickle=allow_pickle)

    save("f4_c.npy", (np.arange(24, dtype="<f4") * 0.5).reshape(2, 3, 4))
    save("f8_fortran.npy", np.asfortranarray((np.arange(24, dtype="<f8") + 0.5).reshape(2, 3, 4)))
    save("f8_big_endian.npy", (np.arange(6).reshape(2, 3) / 4.0).astype(">f8"))
    save("i4_big_endian_fortran.npy", np.asfortranarray((np.arange(12) - 6).reshape(3, 4).astype(">i4")))
    save("u2_big_endian.npy", np.array([1, 258, 65535], dtype=">u2"))
    save("f2.npy", np.array([1.0, -2.5, 65504.0, 2.0 ** -24, np.inf, 0.0], dtype="<f2"))
    save("scalar.npy", np.array(3.25, dtype="<f8"))
    save("bool.npy", np.array([[True, False, True], [False, False, True]]))
    save("i8.npy", np.array([-(2 ** 63), 0, 2 ** 63 - 1], dtype="<i8"))
    save("empty.npy", np.zeros((0, 5), dtype="<f4"))
    save("v2.npy", (np.arange(6, dtype="<i2") - 3).reshape(3, 2), version=(2, 0))
    save("v3.npy", np.arange(4, dtype="<f4") + 0.25, version=(3, 0))
    save("object.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    save("structured.npy", np.zeros(3, dtype=[("x", "<f4"), ("y", "<i4")]))


if __name__ == "__main__":
    safetensors_reference()
    npy_fixtures()
