"""Parity fixtures of Swin-T and SWAT Swin-T from the official code (kkahatapitiya/SWAT, a timm 0.4.13 fork).

Usage: /usr/bin/python3 scripts/make_swin_parity_fixtures.py <checkout of kkahatapitiya/SWAT> <output folder>

Writes <output>/swin_tiny_patch4_window7_224-224/ and <output>/swat_swin_tiny_patch4_window7_224-224/, each with
keys.tsv (key, dtype, PyTorch shape in state_dict order) and logits.npy (float32 [2, 1000]): the eval-mode output for
the formula input under the formula weights of the parity fixtures (the same rule as FormulaWeights in
tokenmix-models' tests), except the buffers relative_position_index and attn_mask, which keep their constant values.
Run from the repository root with "tokenmix-models/src/test/resources/parity" as the output folder.

The official snapshot does not import as committed, so the script works on a copy in a temporary folder:
  - a small stand-in for einops.rearrange (einops is not needed otherwise);
  - timm/__init__.py, timm/models/__init__.py and timm/data/__init__.py trimmed to what Swin imports;
  - the missing ConvMlpGeneralv2 / ConvMlp names stubbed;
  - PatchEmbed switched to its "SWIN-T" block (the committed state is the DeiT-Ti block);
  - for the baseline, the #### START #### / #### END #### edits of swin_transformer.py reverted to the original
    timm 0.4.13 lines they comment out (WindowAttention everywhere, Mlp, the 2x2 PatchMerging), with timm's plain
    PatchEmbed (conv p x p, stride p, LayerNorm).
Needs torch (1.13) and numpy; no GPU.
"""
import importlib
import math
import os
import re
import shutil
import sys
import tempfile
import zlib

import numpy as np
import torch

EINOPS = '''
import re
def _groups(side):
    return [t[1:-1].split() if t.startswith('(') else [t] for t in re.findall(r'\\([^)]*\\)|\\S+', side)]
def rearrange(x, pattern, **sizes):
    left, right = [_groups(s.strip()) for s in pattern.split('->')]
    sizes = dict(sizes)
    for g, d in zip(left, x.shape):
        unknown = [a for a in g if a not in sizes]
        known = 1
        for a in g:
            known *= sizes.get(a, 1)
        if len(unknown) == 1:
            sizes[unknown[0]] = d // known
    elem = [a for g in left for a in g]
    x = x.reshape([sizes[a] for a in elem]).permute([elem.index(a) for g in right for a in g])
    return x.reshape([int(np.prod([sizes[a] for a in g])) for g in right])
import numpy as np
'''

SWIN_T_PATCH_EMBED = '''class PatchEmbed(nn.Module):
    def __init__(self, img_size=224, patch_size=16, in_chans=3, embed_dim=768, norm_layer=None, flatten=True):
        super().__init__()
        img_size, patch_size = to_2tuple(img_size), to_2tuple(patch_size)
        self.img_size, self.patch_size = img_size, patch_size
        self.grid_size = (img_size[0] // patch_size[0], img_size[1] // patch_size[1])
        self.num_patches = self.grid_size[0] * self.grid_size[1]
        self.flatten = flatten
        self.proj21 = nn.Conv2d(in_chans, 128, kernel_size=2, stride=2)
        self.proj22 = nn.Conv2d(128, 24, kernel_size=1, stride=1)
        self.act = nn.GELU()
        self.norm = norm_layer(embed_dim) if norm_layer else nn.Identity()
        self.norm2 = norm_layer(128) if norm_layer else nn.Identity()

    def forward(self, x):
        x2 = self.norm2(self.act(self.proj21(x)).transpose(1, -1)).transpose(1, -1)
        x2 = self.proj22(x2)
        x = rearrange(x2, 'b c (n1 p1) (n2 p2) -> b (c p1 p2) n1 n2', n1=56, n2=56, p1=2, p2=2)
        if self.flatten:
            x = x.flatten(2).transpose(1, 2)
        return self.norm(x)
'''

PLAIN_PATCH_EMBED = '''class PatchEmbed(nn.Module):
    def __init__(self, img_size=224, patch_size=16, in_chans=3, embed_dim=768, norm_layer=None, flatten=True):
        super().__init__()
        self.grid_size = (img_size[0] // patch_size, img_size[1] // patch_size)
        self.num_patches = self.grid_size[0] * self.grid_size[1]
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.norm = norm_layer(embed_dim) if norm_layer else nn.Identity()

    def forward(self, x):
        return self.norm(self.proj(x).flatten(2).transpose(1, 2))


'''


def replace(text, old, new):
    if old not in text:
        raise SystemExit('the official code changed: cannot find ' + old[:60])
    return text.replace(old, new)


def prepare(checkout, work):
    shutil.copytree(os.path.join(checkout, 'timm'), os.path.join(work, 'timm'))
    with open(os.path.join(work, 'einops.py'), 'w') as f:
        f.write(EINOPS)
    t = lambda *p: os.path.join(work, 'timm', *p)
    with open(t('__init__.py'), 'w') as f:
        f.write('from .version import __version__\n')
    with open(t('data', '__init__.py'), 'w') as f:
        f.write('from .constants import *\n')
    with open(t('models', '__init__.py')) as f:
        lines = f.read().split('\n')
    keep = ('swin_transformer', 'layers', 'registry', 'factory', 'helpers')
    with open(t('models', '__init__.py'), 'w') as f:
        f.write('\n'.join(l for l in lines if not l.startswith('from .') or any(k in l for k in keep)))
    p = t('models', 'layers', '__init__.py')
    s = replace(open(p).read(), ', ConvMlpGeneralv2', '')
    open(p, 'w').write(s)
    p = t('models', 'layers', 'mlp.py')
    open(p, 'a').write('\nConvMlp = Mlp\n')
    p = t('models', 'layers', 'patch_embed.py')
    s = open(p).read()
    open(p, 'w').write(s[:s.index('class PatchEmbed')] + SWIN_T_PATCH_EMBED)
    # the baseline: undo the SWAT edits of swin_transformer.py in a second module
    s = open(t('models', 'swin_transformer.py')).read()
    s = replace(s, 'from .layers import PatchEmbed,', 'from .layers import')
    s = replace(s, '            self.attn = ConvWindowAttention(', '            self.attn = WindowAttention(')
    s = re.sub(r'        self\.ks = \{56:5.*?groups=mlp_hidden_dim\)',
               '        self.mlp = Mlp(in_features=dim, hidden_features=mlp_hidden_dim, act_layer=act_layer, drop=drop)',
               s, flags=re.S)
    s = replace(s, "        x = rearrange(x, 'b (h w) c -> b c h w', h=H, w=W)\n        x = self.mlp(x)\n"
                   "        x = rearrange(x, 'b c h w -> b (h w) c')", '        x = self.mlp(x)')
    s = re.sub(r"        self\.c, self\.h, self\.w, self\.ks = \{56:\(24,2,2,3\).*?self\.norm = norm_layer\(self\.c\)\n",
               '        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)\n'
               '        self.norm = norm_layer(4 * dim)\n', s, flags=re.S)
    s = re.sub(r"        # B 24 112 112\n.*?h=self\.h\*2, w=self\.w\*2\)\n",
               '        x = x.view(B, H, W, C)\n'
               '        x = torch.cat([x[:, 0::2, 0::2, :], x[:, 1::2, 0::2, :], x[:, 0::2, 1::2, :],'
               ' x[:, 1::2, 1::2, :]], -1).view(B, -1, 4 * C)\n'
               '        x = self.reduction(self.norm(x))\n', s, flags=re.S)
    s = replace(s, 'class WindowAttention(nn.Module):', PLAIN_PATCH_EMBED + 'class WindowAttention(nn.Module):')
    open(t('models', 'swin_plain.py'), 'w').write(s)


def splitmix_uniform(seed, n):
    with np.errstate(over='ignore'):
        i = np.arange(n, dtype=np.uint64)
        z = np.uint64(seed) + (i + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return 2.0 * (z >> np.uint64(11)).astype(np.float64) * (2.0 ** -53) - 1.0


def formula(key, shape):
    n = int(np.prod(shape)) if len(shape) else 1
    u = splitmix_uniform((zlib.crc32(key.encode('utf-8')) & 0xFFFFFFFF) << 32, n)
    if len(shape) >= 2:
        v = u * math.sqrt(3.0 / int(np.prod(shape[1:])))
    elif key.endswith('bias'):
        v = 0.02 * u
    else:
        v = 1.0 + 0.1 * u
    return v.astype(np.float32).reshape(shape)


def write(model, folder):
    os.makedirs(folder, exist_ok=True)
    sd = model.state_dict()
    with open(os.path.join(folder, 'keys.tsv'), 'w') as f:
        for k, v in sd.items():
            f.write('%s\t%s\t%s\n' % (k, str(v.dtype).replace('torch.', ''), list(v.shape)))
    new = {}
    for k, v in sd.items():
        keep = k.endswith('relative_position_index') or k.endswith('attn_mask')
        new[k] = v if keep else torch.from_numpy(formula(k, tuple(v.shape)))
    model.load_state_dict(new, strict=True)
    n = 2 * 3 * 224 * 224
    x = splitmix_uniform((zlib.crc32(b'input') & 0xFFFFFFFF) << 32, n).astype(np.float32).reshape(2, 3, 224, 224)
    with torch.no_grad():
        y = model.eval()(torch.from_numpy(x)).numpy().astype(np.float32)
    np.save(os.path.join(folder, 'logits.npy'), y)
    print(folder, sum(p.numel() for p in model.parameters()), len(sd), float(np.abs(y).max()))


def main():
    checkout, out = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp()
    try:
        prepare(checkout, work)
        sys.path.insert(0, work)
        torch.manual_seed(0)
        plain = importlib.import_module('timm.models.swin_plain')
        write(plain.swin_tiny_patch4_window7_224(), os.path.join(out, 'swin_tiny_patch4_window7_224-224'))
        swat = importlib.import_module('timm.models.swin_transformer')
        write(swat.swin_tiny_patch4_window7_224(), os.path.join(out, 'swat_swin_tiny_patch4_window7_224-224'))
    finally:
        shutil.rmtree(work)


if __name__ == '__main__':
    main()
