#!/usr/bin/env python3
"""Writes the SWAT parity fixture tokenmix-models/src/test/resources/parity/swat_deit_tiny_patch16_224-224/: the
official SWAT DeiT-Ti's state_dict keys (keys.tsv) and its eval-mode logits (logits.npy, float32 [2, 1000]) for the
formula input under the formula weights (the rule of dev.tokenmix.models.testing.FormulaWeights).

The official code (github.com/kkahatapitiya/SWAT, a timm 0.4.13 fork) is used as committed: its active configuration
is SWAT DeiT-Ti (`vit_tiny_patch16_224`). The snapshot does not import as it stands, so this script copies its
`timm/` package to a temporary directory and only trims imports there: the package roots import just the ViT code,
two names that `layers/__init__.py` imports but `mlp.py` no longer defines get placeholders, and, when einops is not
installed, a small `rearrange` for the patterns the model uses is provided. No model code is changed.

    git clone https://github.com/kkahatapitiya/SWAT /path/to/SWAT
    /usr/bin/python3 scripts/make_swat_parity_fixture.py --swat /path/to/SWAT

Needs torch (1.13 was used) and numpy. The build and the tests never run Python; the output is committed.
"""
import argparse
import importlib
import math
import os
import pathlib
import shutil
import sys
import tempfile
import zlib

import numpy as np
import torch

OUT = "tokenmix-models/src/test/resources/parity/swat_deit_tiny_patch16_224-224"

REARRANGE = '''
import math, re


def _groups(side):
    out, cur = [], None
    for t in re.findall(r"\\(|\\)|\\w+", side):
        if t == "(":
            cur = []
        elif t == ")":
            out.append(cur)
            cur = None
        elif cur is not None:
            cur.append(t)
        else:
            out.append([t])
    return out


def rearrange(x, pattern, **sizes):
    """einops.rearrange for pure reshape/permute patterns (no ellipsis, no anonymous axes)."""
    left, right = (_groups(s) for s in pattern.split("->"))
    sizes = dict(sizes)
    for group, dim in zip(left, x.shape):
        unknown = [a for a in group if a not in sizes]
        if unknown:
            sizes[unknown[0]] = dim // math.prod(sizes[a] for a in group if a in sizes)
    names = [a for g in left for a in g]
    x = x.reshape([sizes[a] for a in names])
    x = x.permute([names.index(a) for g in right for a in g])
    return x.reshape([math.prod(sizes[a] for a in g) for g in right])
'''


def formula_uniform(key, n):
    """splitmix64 of (CRC-32(key) << 32) + (i + 1) * golden, mapped to [-1, 1)."""
    seed = (zlib.crc32(key.encode("utf-8")) & 0xFFFFFFFF) << 32
    with np.errstate(over="ignore"):
        i = np.arange(n, dtype=np.uint64)
        z = np.uint64(seed) + (i + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return 2.0 * (z >> np.uint64(11)).astype(np.float64) * (2.0 ** -53) - 1.0


def formula_tensor(key, shape):
    n = int(np.prod(shape)) if len(shape) else 1
    u = formula_uniform(key, n)
    if key.endswith("running_mean"):
        v = 0.1 * u
    elif key.endswith("running_var"):
        v = 1.0 + 0.25 * (u + 1.0)
    elif len(shape) >= 2:
        v = u * math.sqrt(3.0 / int(np.prod(shape[1:])))
    elif key.endswith("bias"):
        v = 0.02 * u
    else:
        v = 1.0 + 0.1 * u
    return v.astype(np.float32).reshape(shape)


def importable_copy(swat, tmp):
    shutil.copytree(pathlib.Path(swat) / "timm", tmp / "timm")
    (tmp / "timm" / "__init__.py").write_text("from .version import __version__\n")
    (tmp / "timm" / "data" / "__init__.py").write_text("from .constants import *\n")
    (tmp / "timm" / "models" / "__init__.py").write_text("from .vision_transformer import *\n")
    with open(tmp / "timm" / "models" / "layers" / "mlp.py", "a") as f:
        f.write("\nConvMlpGeneralv2 = ConvMlpGeneral  # imported by layers/__init__.py, absent from the snapshot\n")
        f.write("ConvMlp = ConvMlpGeneral  # imported by gather_excite.py, absent from the snapshot\n")
    try:
        importlib.import_module("einops")
    except ImportError:
        (tmp / "einops").mkdir()
        (tmp / "einops" / "__init__.py").write_text(REARRANGE)
    sys.path.insert(0, str(tmp))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--swat", required=True, help="a checkout of github.com/kkahatapitiya/SWAT")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as t:
        importable_copy(args.swat, pathlib.Path(t))
        vt = importlib.import_module("timm.models.vision_transformer")
        model = vt.vit_tiny_patch16_224().eval()
    sd = model.state_dict()
    n = sum(p.numel() for p in model.parameters())
    assert n == 5_827_883, n
    model.load_state_dict({k: torch.from_numpy(formula_tensor(k, tuple(v.shape))) for k, v in sd.items()})
    x = torch.from_numpy(formula_uniform("input", 2 * 3 * 224 * 224).astype(np.float32).reshape(2, 3, 224, 224))
    with torch.no_grad():
        y = model(x).numpy().astype(np.float32)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "keys.tsv"), "w") as f:
        for k, v in sd.items():
            f.write(f"{k}\t{str(v.dtype).replace('torch.', '')}\t{list(v.shape)}\n")
    np.save(os.path.join(OUT, "logits.npy"), y)
    print(f"{len(sd)} keys, {n} parameters, logits {y.shape}, max |y| {np.abs(y).max():.4g}")


if __name__ == "__main__":
    main()
