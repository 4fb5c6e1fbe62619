#!/usr/bin/env python3
"""Writes the SWAT parity fixtures tokenmix-models/src/test/resources/parity/<name>-224/: the official model's
state_dict keys (keys.tsv) and its eval-mode logits (logits.npy, float32 [2, 1000]) for the formula input under the
formula weights (the rule of dev.tokenmix.models.testing.FormulaWeights), for

    swat_deit_tiny_patch16_224   the official code as committed (its active configuration is SWAT DeiT-Ti)
    swat_mixer_tiny_patch16_224  the Mixer-Ti tokenizer blocks of PatchEmbed switched on (MixerBlockConv is
                                 committed in its Mixer-Ti configuration)
    swat_resmlp_12_224           the ResMLP-S12 tokenizer blocks switched on and resmlp_12_224 built with
                                 ResBlockConv, as its commented-out arguments say

The official code (github.com/kkahatapitiya/SWAT, a timm 0.4.13 fork) selects a variant by commenting blocks in and
out. This script copies its `timm/` package to a temporary directory and there (1) replaces the active tokenizer
block by the official commented block of the variant, verbatim, (2) trims imports: the package roots import just
the ViT and Mixer code, two names that `layers/__init__.py` imports but `mlp.py` no longer defines get
placeholders, and, when einops is not installed, a small `rearrange` for the patterns the models use is provided.

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

OUT = "tokenmix-models/src/test/resources/parity"
PATCH_EMBED = "timm/models/layers/patch_embed.py"
MLP_MIXER = "timm/models/mlp_mixer.py"
# name: (module, constructor, tokenizer blocks to switch on (label in __init__, label in forward) or None,
#        extra literal replacements in mlp_mixer.py, official parameter count)
VARIANTS = {
    "swat_deit_tiny_patch16_224": ("vision_transformer", "vit_tiny_patch16_224", None, [], 5_827_883),
    "swat_mixer_tiny_patch16_224": ("mlp_mixer", "mixer_ti16_224", ("# Mixer-Ti", "#for mixer-Ti"), [], 5_098_572),
    "swat_resmlp_12_224": ("mlp_mixer", "resmlp_12_224", ("# ResMLP-S12", "#for resmlp-s12"),
                           [("block_layer=ResBlock, norm_layer=Affine, **kwargs)\n    model = _create_mixer('resmlp_12_224'",
                             "block_layer=ResBlockConv, norm_layer=Affine, **kwargs)\n    model = _create_mixer('resmlp_12_224'")],
                           15_560_766),
}

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


def quoted_block_after(src, label):
    """The text inside the triple-quoted block that follows the comment line `label`."""
    i = src.index(label + "\n")
    j = src.index("'''", i)
    return src[j + 3:src.index("'''", j + 3)]


def active_block_after(src, label, end_label):
    """The active code between the comment line `label` and the next comment line `end_label`."""
    i = src.index(label + "\n") + len(label) + 1
    return src[i:src.index("\n\n        " + end_label, i)]


def switch_tokenizer(src, init_label, forward_label):
    """Replaces the active (ViT-Ti) tokenizer blocks by the official commented blocks of another variant."""
    for active, chosen in (("# ViT-Ti", init_label), ("#for Vit-Ti", forward_label)):
        old = active_block_after(src, active, "# ViT-S")
        src = src.replace(old, "        " + quoted_block_after(src, chosen), 1)
    return src


def edit(path, fn):
    path.write_text(fn(path.read_text()))


def importable_copy(swat, tmp, variant):
    _, _, tokenizer, replacements, _ = VARIANTS[variant]
    shutil.copytree(pathlib.Path(swat) / "timm", tmp / "timm")
    if tokenizer:
        edit(tmp / PATCH_EMBED, lambda s: switch_tokenizer(s, *tokenizer))
    for old, new in replacements:
        def replace(s, old=old, new=new):
            assert s.count(old) == 1, old
            return s.replace(old, new)
        edit(tmp / MLP_MIXER, replace)
    (tmp / "timm" / "__init__.py").write_text("from .version import __version__\n")
    (tmp / "timm" / "data" / "__init__.py").write_text("from .constants import *\n")
    (tmp / "timm" / "models" / "__init__.py").write_text("from .vision_transformer import *\nfrom .mlp_mixer import *\n")
    with open(tmp / "timm" / "models" / "layers" / "mlp.py", "a") as f:
        f.write("\nConvMlpGeneralv2 = ConvMlpGeneral  # imported by layers/__init__.py, absent from the snapshot\n")
        f.write("ConvMlp = ConvMlpGeneral  # imported by gather_excite.py, absent from the snapshot\n")
    try:
        importlib.import_module("einops")
    except ImportError:
        (tmp / "einops").mkdir()
        (tmp / "einops" / "__init__.py").write_text(REARRANGE)
    sys.path.insert(0, str(tmp))


def official_model(swat, variant):
    module, constructor, _, _, _ = VARIANTS[variant]
    with tempfile.TemporaryDirectory() as t:
        importable_copy(swat, pathlib.Path(t), variant)
        try:
            model = getattr(importlib.import_module("timm.models." + module), constructor)().eval()
        finally:
            sys.path.remove(t)
            for name in [m for m in sys.modules if m == "timm" or m.startswith("timm.") or m == "einops"]:
                del sys.modules[name]
    return model


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--swat", required=True, help="a checkout of github.com/kkahatapitiya/SWAT")
    p.add_argument("variants", nargs="*", default=list(VARIANTS), help="which fixtures (default: all)")
    args = p.parse_args()
    for variant in args.variants:
        torch.manual_seed(0)
        model = official_model(args.swat, variant)
        sd = model.state_dict()
        n = sum(p.numel() for p in model.parameters())
        assert n == VARIANTS[variant][4], (variant, n)
        model.load_state_dict({k: torch.from_numpy(formula_tensor(k, tuple(v.shape))) for k, v in sd.items()})
        x = torch.from_numpy(formula_uniform("input", 2 * 3 * 224 * 224).astype(np.float32).reshape(2, 3, 224, 224))
        with torch.no_grad():
            y = model(x).numpy().astype(np.float32)
        out = os.path.join(OUT, variant + "-224")
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "keys.tsv"), "w") as f:
            for k, v in sd.items():
                f.write(f"{k}\t{str(v.dtype).replace('torch.', '')}\t{list(v.shape)}\n")
        np.save(os.path.join(out, "logits.npy"), y)
        print(f"{variant}: {len(sd)} keys, {n} parameters, logits {y.shape}, max |y| {np.abs(y).max():.4g}")


if __name__ == "__main__":
    main()
