"""Writes the Pillow reference outputs of the RandAugment pixel ops used by PillowParityTest.

File layout (all uint8, HWC, H=12, W=16): the input image, then one image per op in OPS order.
Run with the repository root as working directory.
"""
import numpy as np
from PIL import Image, ImageEnhance, ImageOps

H, W = 12, 16
OPS = [
    ("equalize", lambda im: ImageOps.equalize(im)),
    ("autocontrast", lambda im: ImageOps.autocontrast(im)),
    ("posterize2", lambda im: ImageOps.posterize(im, 2)),
    ("solarize100", lambda im: ImageOps.solarize(im, 100)),
    ("invert", lambda im: ImageOps.invert(im)),
    ("color0.3", lambda im: ImageEnhance.Color(im).enhance(0.3)),
    ("contrast1.7", lambda im: ImageEnhance.Contrast(im).enhance(1.7)),
    ("brightness1.3", lambda im: ImageEnhance.Brightness(im).enhance(1.3)),
    ("sharpness0.4", lambda im: ImageEnhance.Sharpness(im).enhance(0.4)),
    ("sharpness1.8", lambda im: ImageEnhance.Sharpness(im).enhance(1.8)),
    ("rotate20", lambda im: im.rotate(20, resample=Image.BILINEAR, fillcolor=(124, 116, 104))),
    ("shearx0.2", lambda im: im.transform(im.size, Image.AFFINE, (1, 0.2, 0, 0, 1, 0), resample=Image.BILINEAR,
                                          fillcolor=(124, 116, 104))),
]

rng = np.random.RandomState(0)
y, x = np.mgrid[0:H, 0:W]
base = np.stack([x * 9 + 40, y * 13 + 30, (x + y) * 5 + 60], -1)
img = np.clip(base + rng.randint(-25, 26, size=(H, W, 3)), 0, 255).astype(np.uint8)
im = Image.fromarray(img)
with open("tokenmix-train/src/test/resources/data/pillow-ops.bin", "wb") as f:
    f.write(img.tobytes())
    for name, op in OPS:
        out = np.asarray(op(im).convert("RGB"), dtype=np.uint8)
        assert out.shape == (H, W, 3), name
        f.write(out.tobytes())
print("ops:", ", ".join(n for n, _ in OPS))
