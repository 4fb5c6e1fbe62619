#!/usr/bin/env python3
"""Writes tokenmix-models/src/test/resources/weights/deit_tiny_shared_storage.pth with torch.save (zip format), the
fixture of the .pth round-trip test: every tensor of deit_tiny_patch16_224's state_dict (timm's keys and shapes) is
a view into ONE shared float32 storage, so the file stays under 1 MB while exercising storage offsets, shared
storages and (for head.weight) a transposed stride. Layout of the file as the official checkpoints: the weights
under 'model', beside an epoch counter and an argparse.Namespace of training arguments.

The rule, rebuilt in Java by the test:
  base[i]   = 0.05 * u_i, u from the splitmix formula of shared/fixtures/parity/formula.py with key "shared/deit"
  offset(k) = CRC-32(k) mod (N - numel + 1), N = 200003
  tensor(k) = base[offset : offset + numel] viewed as shape, except head.weight: viewed as [192, 1000], transposed

Run from the repository root with PyTorch 1.13: python3 scripts/make_deit_pth_fixture.py
"""
import argparse
import zlib
from collections import OrderedDict

import numpy as np
import torch

N = 200003


def splitmix_uniform(seed, n):
    with np.errstate(over='ignore'):
        i = np.arange(n, dtype=np.uint64)
        z = np.uint64(seed) + (i + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return 2.0 * (z >> np.uint64(11)).astype(np.float64) * (2.0 ** -53) - 1.0


def deit_tiny_keys():
    d, h = 192, 768
    keys = [('cls_token', [1, 1, d]), ('pos_embed', [1, 197, d]),
            ('patch_embed.proj.weight', [d, 3, 16, 16]), ('patch_embed.proj.bias', [d])]
    for i in range(12):
        p = 'blocks.%d.' % i
        keys += [(p + 'norm1.weight', [d]), (p + 'norm1.bias', [d]),
                 (p + 'attn.qkv.weight', [3 * d, d]), (p + 'attn.qkv.bias', [3 * d]),
                 (p + 'attn.proj.weight', [d, d]), (p + 'attn.proj.bias', [d]),
                 (p + 'norm2.weight', [d]), (p + 'norm2.bias', [d]),
                 (p + 'mlp.fc1.weight', [h, d]), (p + 'mlp.fc1.bias', [h]),
                 (p + 'mlp.fc2.weight', [d, h]), (p + 'mlp.fc2.bias', [d])]
    keys += [('norm.weight', [d]), ('norm.bias', [d]), ('head.weight', [1000, d]), ('head.bias', [1000])]
    return keys


def main():
    seed = (zlib.crc32(b'shared/deit') & 0xFFFFFFFF) << 32
    base = torch.from_numpy((0.05 * splitmix_uniform(seed, N)).astype(np.float32))
    sd = OrderedDict()
    for key, shape in deit_tiny_keys():
        numel = int(np.prod(shape))
        off = (zlib.crc32(key.encode('utf-8')) & 0xFFFFFFFF) % (N - numel + 1)
        view = base[off:off + numel]
        sd[key] = view.view(shape[1], shape[0]).t() if key == 'head.weight' else view.view(shape)
    args = argparse.Namespace(model='deit_tiny_patch16_224', lr=5e-4, epochs=300)
    torch.save({'model': sd, 'epoch': 299, 'args': args},
               'tokenmix-models/src/test/resources/weights/deit_tiny_shared_storage.pth')


if __name__ == '__main__':
    main()
