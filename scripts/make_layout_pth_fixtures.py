#!/usr/bin/env python3
"""Writes a small PyTorch checkpoint in the official layout of PaCa-ViT for the loading test: the state_dict of
every key in tokenmix-models/src/test/resources/parity/<model>-224/keys.tsv, nested as the official training
script saves it ({'model': ...}), written by torch.save (zip format). To stay small, every tensor is an overlapping strided view into ONE float32 storage:

  base[i]   = 0.05 * u_i, u from the splitmix formula of the parity fixtures with key "shared/<model>"
  stride    = row-major strides, except dimension 0 (rank >= 2) whose stride is 7
  offset(k) = CRC-32(k) mod (N - reach(k) + 1), N = 200003, reach = 7 * (shape[0] - 1) + prod(shape[1:])
  BatchNorm num_batches_tracked: int64 0

The Java test rebuilds the same values. Run from the repository root with PyTorch 1.13:
    python3 scripts/make_layout_pth_fixtures.py
"""
import zlib
from collections import OrderedDict

import numpy as np
import torch

N = 200003
RES = 'tokenmix-models/src/test/resources/'


def splitmix_uniform(seed, n):
    with np.errstate(over='ignore'):
        i = np.arange(n, dtype=np.uint64)
        z = np.uint64(seed) + (i + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return 2.0 * (z >> np.uint64(11)).astype(np.float64) * (2.0 ** -53) - 1.0


def state_dict(model):
    seed = (zlib.crc32(('shared/' + model).encode()) & 0xFFFFFFFF) << 32
    base = torch.from_numpy((0.05 * splitmix_uniform(seed, N)).astype(np.float32))
    sd = OrderedDict()
    for line in open(RES + 'parity/%s-224/keys.tsv' % model):
        key, dtype, shape = line.rstrip('\n').split('\t')
        shape = [int(d) for d in shape.strip('[]').split(',') if d.strip()]
        if key.endswith('num_batches_tracked'):
            sd[key] = torch.tensor(0, dtype=torch.int64)
            continue
        rest = int(np.prod(shape[1:])) if len(shape) >= 1 else 1
        if len(shape) >= 2:
            stride = [7] + [int(np.prod(shape[i + 1:])) for i in range(1, len(shape))]
            reach = 7 * (shape[0] - 1) + rest
        else:
            stride = [1] * len(shape)
            reach = int(np.prod(shape)) if shape else 1
        off = (zlib.crc32(key.encode()) & 0xFFFFFFFF) % (N - reach + 1)
        sd[key] = base.as_strided(shape, stride, off)
    return sd


def main():
    paca = state_dict('pacavit_tiny_p2cconv_100_0')
    torch.save({'model': paca, 'epoch': 299, 'max_accuracy': 80.9},
               RES + 'weights/pacavit_tiny_p2cconv_100_0_official_layout.pth')


if __name__ == '__main__':
    main()
