"""Writes the CMYK JPEG test fixture (16x16, pure red in CMYK) used by ImageFolderTest."""
import sys
from PIL import Image

out = sys.argv[1] if len(sys.argv) > 1 else "tokenmix-train/src/test/resources/data/cmyk.jpg"
Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(out, quality=95)
