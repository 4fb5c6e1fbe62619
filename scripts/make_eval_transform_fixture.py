#!/usr/bin/env python3
"""Writes the test fixture of tokenmix's eval transform: an RGB PNG and the tensor timm's eval transform makes of it
(resize the shorter side to floor(size / crop_pct) with Pillow's BICUBIC, centre crop, ToTensor, ImageNet
normalisation), computed with Pillow and numpy only. Run from the repository root:

    python3 scripts/make_eval_transform_fixture.py
"""
import numpy as np
from PIL import Image

OUT = "tokenmix-train/src/test/resources/data/"
SIZE, CROP = 32, 0.875
MEAN = np.array([0.485, 0.456, 0.406])
STD = np.array([0.229, 0.224, 0.225])

y, x = np.mgrid[0:48, 0:64]
img = np.stack([127 + 100 * np.sin(x / 5.0) * np.cos(y / 4.0),
                127 + 100 * np.sin((x + y) / 7.0),
                127 + 120 * np.cos(x / 3.0)], -1).astype(np.uint8)
Image.fromarray(img).save(OUT + "pattern-64x48.png")

im = Image.open(OUT + "pattern-64x48.png").convert("RGB")
w, h = im.size
scale = int(np.floor(SIZE / CROP))
oh, ow = (scale, int(scale * w / h)) if h <= w else (int(scale * h / w), scale)
r = im.resize((ow, oh), Image.BICUBIC)
top, left = int(round((oh - SIZE) / 2.0)), int(round((ow - SIZE) / 2.0))
c = np.asarray(r)[top:top + SIZE, left:left + SIZE].astype(np.float64) / 255.0
np.save(OUT + "pattern-64x48-eval32.npy", ((c - MEAN) / STD).transpose(2, 0, 1).astype("<f4"))
