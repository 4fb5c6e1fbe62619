"""Writes the Pillow reference of torchvision's resized_crop (crop, then resize) used by PillowParityTest.

File layout (all uint8, HWC): the 40x30 (W x H) input, then the 16x16 crop of box (left 5, top 3, width 26,
height 20) resized with BILINEAR, then the same with BICUBIC. Run with the repository root as working directory.
"""
import numpy as np
from PIL import Image

rng = np.random.RandomState(1)
y, x = np.mgrid[0:30, 0:40]
base = np.stack([x * 6 + 10, y * 8 + 20, (x * y) % 200 + 30], -1)
img = np.clip(base + rng.randint(-30, 31, size=(30, 40, 3)), 0, 255).astype(np.uint8)
im = Image.fromarray(img)
crop = im.crop((5, 3, 5 + 26, 3 + 20))
with open("tokenmix-train/src/test/resources/data/pillow-crop-resize.bin", "wb") as f:
    f.write(img.tobytes())
    for resample in (Image.BILINEAR, Image.BICUBIC):
        f.write(np.asarray(crop.resize((16, 16), resample), dtype=np.uint8).tobytes())
