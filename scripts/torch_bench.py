#!/usr/bin/env python3
"""PyTorch side of the tokenmix speed comparison (docs/benchmarks.md).

Small, self-contained PyTorch definitions of three tokenmix models, written from the papers and from tokenmix's
Java code (not from the official repositories), timed the way `tokenmix bench` times them:

  deit_tiny_patch16_224        DeiT-Tiny (arXiv 2012.12877), timm's layout
  pacavit_tiny_p2cconv_100_0   PaCa-ViT-Tiny (arXiv 2203.11987), P2CConv2d clustering, M = 100/100/100/0
  glnet_4g                     GLNet-4G (arXiv 2411.14429), GLMix + global MHSA stages

Usage (optional; nothing in the build or the tests needs Python):

  OMP_NUM_THREADS=1 python3 scripts/torch_bench.py --models all --mode both --batch-size 8 --img-size 224

It prints one CSV row per model and mode with the columns of `tokenmix bench`:
model,mode,img_size,batch_size,samples_per_sec,step_time_ms,param_count,gmacs,gflops_per_sec,peak_rss_mb,
backend,threads,sgemm_fraction. The "sgemm" ceiling is torch.mm at 2048x2048 in the same process. The train mode
is forward, soft-target cross-entropy, backward and torch.optim.AdamW. Parameter counts are checked against the
Java models' (the script exits 1 if one differs).
"""
import argparse
import math
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# Parameter counts of the Java models (`./tokenmix info NAME`): the definitions below must match them exactly.
EXPECTED_PARAMS = {
    "deit_tiny_patch16_224": 5_717_416,
    "pacavit_tiny_p2cconv_100_0": 12_200_680,
    "glnet_4g": 27_001_593,
}

# ---------------------------------------------------------------------------------------------- MAC counting
# Multiply-adds are counted in one extra forward pass at batch 1: Conv2d and Linear through forward hooks, the
# attention and clustering products through `mm`, which adds to the counter while counting is on.
_MACS = [0, False]


def mm(a, b):
    """torch.matmul that counts its multiply-adds while counting is on."""
    out = torch.matmul(a, b)
    if _MACS[1]:
        _MACS[0] += out.numel() * a.shape[-1]
    return out


def count_macs(model, img):
    def conv_hook(m, inp, out):
        _MACS[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m, inp, out):
        _MACS[0] += out.numel() * m.in_features

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    _MACS[0], _MACS[1] = 0, True
    try:
        with torch.no_grad():
            model.eval()
            model(torch.zeros(1, 3, img, img))
    finally:
        _MACS[1] = False
        for h in hooks:
            h.remove()
    return _MACS[0]


# ---------------------------------------------------------------------------------------------- shared parts
class LayerNorm2d(nn.Module):
    """LayerNorm over the channels of an NCHW map."""

    def __init__(self, c, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.eps = eps

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)  # [B, C, H, W] -> [B, H, W, C]
        x = F.layer_norm(x, x.shape[-1:], self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)  # -> [B, C, H, W]


def heads_split(x, h):
    b, n, c = x.shape
    return x.reshape(b, n, h, c // h).transpose(1, 2)  # [B, N, C] -> [B, h, N, d]


def heads_merge(x):
    b, h, n, d = x.shape
    return x.transpose(1, 2).reshape(b, n, h * d)  # [B, h, N, d] -> [B, N, C]


def attend(q, k, v, scale):
    """softmax(q kᵀ · scale) v on [B, h, L, d] heads."""
    a = torch.softmax(mm(q, k.transpose(-2, -1)) * scale, dim=-1)
    return mm(a, v)


class SelfAttention(nn.Module):
    """nn.MultiheadAttention's parameters (in_proj_weight [3C, C], out_proj) as self-attention, batch first."""

    def __init__(self, c, heads):
        super().__init__()
        self.heads = heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * c, c))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * c))
        nn.init.xavier_uniform_(self.in_proj_weight)
        self.out_proj = nn.Linear(c, c)

    def forward(self, x):
        b, n, c = x.shape
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)
        if _MACS[1]:
            _MACS[0] += qkv.numel() * c
        q, k, v = (heads_split(t, self.heads) for t in qkv.chunk(3, dim=-1))
        o = attend(q, k, v, (c // self.heads) ** -0.5)
        return self.out_proj(heads_merge(o))


# ---------------------------------------------------------------------------------------------- DeiT-Tiny
class VitBlock(nn.Module):
    def __init__(self, c, heads):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(c, eps=1e-6)
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.norm2 = nn.LayerNorm(c, eps=1e-6)
        self.fc1 = nn.Linear(c, 4 * c)
        self.fc2 = nn.Linear(4 * c, c)

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = (heads_split(t, self.heads) for t in self.qkv(self.norm1(x)).chunk(3, dim=-1))
        x = x + self.proj(heads_merge(attend(q, k, v, (c // self.heads) ** -0.5)))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class DeitTiny(nn.Module):
    def __init__(self, img=224, patch=16, c=192, depth=12, heads=3, classes=1000):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, c, patch, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, c))
        self.pos_embed = nn.Parameter(torch.randn(1, (img // patch) ** 2 + 1, c) * 0.02)
        self.blocks = nn.Sequential(*[VitBlock(c, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(c, eps=1e-6)
        self.head = nn.Linear(c, classes)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)  # [B, C, h, w] -> [B, N, C]
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        x = self.norm(self.blocks(x))
        return self.head(x[:, 0])


# ---------------------------------------------------------------------------------------------- PaCa-ViT-Tiny
class P2CConv(nn.Module):
    """Clustering logits [B, M, N]: depthwise 7x7, GELU, 1x1, GELU, 1x1 to M (no bias) on the token grid."""

    def __init__(self, c, m, k=7):
        super().__init__()
        self.dw = nn.Conv2d(c, c, k, padding=k // 2, groups=c)
        self.pw = nn.Conv2d(c, c, 1)
        self.out = nn.Conv2d(c, m, 1, bias=False)

    def forward(self, x, h, w):
        b, n, c = x.shape
        g = x.transpose(1, 2).reshape(b, c, h, w)  # [B, N, C] -> [B, C, H, W]
        y = self.out(F.gelu(self.pw(F.gelu(self.dw(g)))))
        return y.flatten(2)  # [B, M, N]


class PacaAttention(nn.Module):
    """Patch-to-cluster attention: queries from the patches, keys and values from M soft clusters (M = 0: global)."""

    def __init__(self, c, heads, m, on_site):
        super().__init__()
        self.heads, self.m = heads, m
        self.cluster_norm = nn.LayerNorm(c, eps=1e-6) if m > 0 else None
        self.clustering = P2CConv(c, m) if m > 0 and on_site else None
        self.q, self.k, self.v, self.proj = (nn.Linear(c, c) for _ in range(4))

    def forward(self, x, h, w, z):
        ctx = x
        if self.m > 0:
            if self.clustering is not None:
                z = torch.softmax(self.clustering(x, h, w), dim=-1)  # over the patches
            ctx = self.cluster_norm(mm(z, x))  # [B, M, C]
        else:
            z = None
        q = heads_split(self.q(x), self.heads)
        k = heads_split(self.k(ctx), self.heads)
        v = heads_split(self.v(ctx), self.heads)
        o = attend(q, k, v, (x.shape[-1] // self.heads) ** -0.5)
        return self.proj(heads_merge(o)), z


class PacaMlp(nn.Module):
    def __init__(self, c, hidden):
        super().__init__()
        self.fc1 = nn.Linear(c, hidden)
        self.dw = nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden)
        self.fc2 = nn.Linear(hidden, c)

    def forward(self, x, h, w):
        t = self.fc1(x)
        b, n, c = t.shape
        d = self.dw(t.transpose(1, 2).reshape(b, c, h, w)).flatten(2).transpose(1, 2)  # conv on the grid, back to [B, N, C]
        return self.fc2(F.gelu(t + d))


class PacaBlock(nn.Module):
    def __init__(self, c, heads, m, on_site):
        super().__init__()
        self.norm1 = nn.LayerNorm(c, eps=1e-6)
        self.attn = PacaAttention(c, heads, m, on_site)
        self.norm2 = nn.LayerNorm(c, eps=1e-6)
        self.mlp = PacaMlp(c, 4 * c)

    def forward(self, x, h, w, z):
        a, z = self.attn(self.norm1(x), h, w, z)
        x = x + a
        return x + self.mlp(self.norm2(x), h, w), z


class PacaVitTiny(nn.Module):
    def __init__(self, dims=(96, 192, 320, 384), depths=(2, 2, 4, 2), heads=(2, 4, 8, 16), clusters=(100, 100, 100, 0),
                 classes=1000):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, dims[0] // 2, 3, 2, 1), nn.Conv2d(dims[0] // 2, dims[0], 3, 2, 1),
                                  LayerNorm2d(dims[0], 1e-6))
        self.stages = nn.ModuleList(
            nn.ModuleList(PacaBlock(dims[i], heads[i], clusters[i], j == 0) for j in range(depths[i])) for i in range(4))
        self.norms = nn.ModuleList(nn.LayerNorm(d, eps=1e-6) for d in dims)
        self.transitions = nn.ModuleList(
            nn.Sequential(nn.Conv2d(dims[i], dims[i + 1], 3, 2, 1), LayerNorm2d(dims[i + 1], 1e-6)) for i in range(3))
        self.head = nn.Linear(dims[3], classes)

    def forward(self, x):
        x = self.stem(x)
        for i in range(4):
            b, c, h, w = x.shape
            t = x.flatten(2).transpose(1, 2)  # [B, C, H, W] -> [B, N, C]
            z = None
            for blk in self.stages[i]:
                t, z = blk(t, h, w, z)
            t = self.norms[i](t)
            if i < 3:
                x = self.transitions[i](t.transpose(1, 2).reshape(b, c, h, w))
        return self.head(t.mean(dim=1))


# ---------------------------------------------------------------------------------------------- GLNet-4G
class ConvFfn(nn.Module):
    def __init__(self, c, hidden):
        super().__init__()
        self.fc1 = nn.Conv2d(c, hidden, 1)
        self.dw = nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden)
        self.fc2 = nn.Conv2d(hidden, c, 1)

    def forward(self, x):
        y = self.fc1(x)
        return self.fc2(F.gelu(y + self.dw(y)))


class GlmixBlock(nn.Module):
    """CPE, then global (64 soft slots, MHSA among slots, dispatch) + local (1x1, dw5x5, 1x1) branches, then FFN."""

    def __init__(self, c, mlp_ratio=3, grid=8):
        super().__init__()
        self.grid = grid
        self.slot_scale = nn.Parameter(torch.tensor(c ** -0.5))
        self.pos_conv = nn.Conv2d(c, c, 3, padding=1, groups=c)
        self.norm1 = LayerNorm2d(c, 1e-6)
        self.relation_mha = SelfAttention(c, c // 32)
        self.feature_conv = nn.Sequential(nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 5, padding=2, groups=c), nn.Conv2d(c, c, 1))
        self.norm2 = LayerNorm2d(c, 1e-6)
        self.mlp = ConvFfn(c, mlp_ratio * c)

    def forward(self, x):
        b, c, h, w = x.shape
        slots = F.adaptive_avg_pool2d(x, self.grid).flatten(2).transpose(1, 2)  # [B, 64, C] from the raw input
        x = x + self.pos_conv(x)
        u = self.norm1(x)
        tokens = u.flatten(2).transpose(1, 2)  # [B, L, C]
        logits = mm(F.normalize(slots, dim=-1), F.normalize(tokens, dim=-1).transpose(1, 2)) * self.slot_scale
        s = mm(torch.softmax(logits, dim=-1), tokens)  # clustering: [B, 64, C]
        s = self.relation_mha(s)
        g = mm(torch.softmax(logits, dim=1).transpose(1, 2), s)  # dispatching: [B, L, C]
        g = g.transpose(1, 2).reshape(b, c, h, w)
        x = x + g + self.feature_conv(u)
        return x + self.mlp(self.norm2(x))


class MhsaNchwBlock(nn.Module):
    def __init__(self, c, mlp_ratio=3):
        super().__init__()
        self.pos_conv = nn.Conv2d(c, c, 3, padding=1, groups=c)
        self.norm1 = nn.LayerNorm(c, eps=1e-6)
        self.mha_op = SelfAttention(c, c // 32)
        self.norm2 = LayerNorm2d(c, 1e-6)
        self.mlp = ConvFfn(c, mlp_ratio * c)

    def forward(self, x):
        b, c, h, w = x.shape
        x = x + self.pos_conv(x)
        t = x.flatten(2).transpose(1, 2)  # [B, L, C]
        t = t + self.mha_op(self.norm1(t))
        x = t.transpose(1, 2).reshape(b, c, h, w)
        return x + self.mlp(self.norm2(x))


class Glnet4g(nn.Module):
    def __init__(self, dims=(64, 128, 256, 512), depths=(4, 4, 18, 4), classes=1000):
        super().__init__()
        self.downsample = nn.ModuleList([nn.Sequential(
            nn.Conv2d(3, dims[0] // 2, 3, 2, 1), nn.BatchNorm2d(dims[0] // 2), nn.GELU(),
            nn.Conv2d(dims[0] // 2, dims[0], 3, 2, 1), nn.BatchNorm2d(dims[0]))])
        for i in range(1, 4):
            self.downsample.append(nn.Sequential(nn.Conv2d(dims[i - 1], dims[i], 3, 2, 1), nn.BatchNorm2d(dims[i])))
        kinds = [lambda j: "glmix", lambda j: "glmix", lambda j: "glmix" if j % 2 == 0 else "mha", lambda j: "mha"]
        self.stages = nn.ModuleList(
            nn.Sequential(*[GlmixBlock(dims[i]) if kinds[i](j) == "glmix" else MhsaNchwBlock(dims[i])
                            for j in range(depths[i])]) for i in range(4))
        self.norm = nn.BatchNorm2d(dims[3])
        self.head = nn.Linear(dims[3], classes)

    def forward(self, x):
        for ds, st in zip(self.downsample, self.stages):
            x = st(ds(x))
        return self.head(self.norm(x).mean(dim=(2, 3)))


MODELS = {
    "deit_tiny_patch16_224": DeitTiny,
    "pacavit_tiny_p2cconv_100_0": PacaVitTiny,
    "glnet_4g": Glnet4g,
}


# ---------------------------------------------------------------------------------------------- timing
def sgemm_gflops(n=2048, reps=5):
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best = math.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n ** 3 / best / 1e9


def time_steps(fn, warmup, steps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def backend_name():
    """torch's version and the BLAS library this process actually mapped (Debian's libblas.so.3 may be the
    reference BLAS rather than OpenBLAS, which makes nn.Linear and matmul many times slower)."""
    blas = "BLAS?"
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() or "mkl" in line.lower()}
        names = " ".join(sorted(libs)).lower()
        if "openblas" in names:
            blas = "OpenBLAS"
        elif "mkl" in names:
            blas = "MKL"
        elif "blis" in names:
            blas = "BLIS"
        elif "libblas.so" in names:
            blas = "reference-BLAS"
    except OSError:
        pass
    return f"torch-{torch.__version__.split('+')[0]} {blas}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="all", help="comma-separated names, or 'all' (" + ", ".join(MODELS) + ")")
    p.add_argument("--mode", choices=["infer", "train", "both"], default="both")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--img-size", type=int, default=224)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: OMP_NUM_THREADS, else torch's)")
    p.add_argument("--sgemm-size", type=int, default=2048, help="size of the torch.mm ceiling (0 skips it)")
    p.add_argument("--csv", default=None, help="also append the rows to this file")
    p.add_argument("--no-header", action="store_true")
    a = p.parse_args()

    names = list(MODELS) if a.models == "all" else a.models.split(",")
    for n in names:
        if n not in MODELS:
            print(f"torch_bench.py: unknown model '{n}'; known: {', '.join(MODELS)}", file=sys.stderr)
            return 2
    threads = a.threads or int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or torch.get_num_threads()
    torch.set_num_threads(threads)
    torch.manual_seed(0)

    ceiling = sgemm_gflops(a.sgemm_size, reps=3) if a.sgemm_size > 0 else 0.0
    print(f"# sgemm {a.sgemm_size}x{a.sgemm_size} (torch.mm, {threads} threads, {backend_name()}): {ceiling:.1f}"
          " GFLOP/s", file=sys.stderr)
    header = ("model,mode,img_size,batch_size,samples_per_sec,step_time_ms,param_count,gmacs,gflops_per_sec,"
              "peak_rss_mb,backend,threads,sgemm_fraction")
    rows = [] if a.no_header else [header]
    print(rows[0] if rows else "", end="\n" if rows else "")
    sys.stdout.flush()
    status = 0
    for name in names:
        model = MODELS[name]()
        params = sum(t.numel() for t in model.parameters())
        want = EXPECTED_PARAMS[name]
        if want is not None and params != want:
            print(f"torch_bench.py: {name} has {params} parameters here but {want} in tokenmix", file=sys.stderr)
            status = 1
        gmacs = count_macs(model, a.img_size) / 1e9
        x = torch.randn(a.batch_size, 3, a.img_size, a.img_size)
        modes = ["infer", "train"] if a.mode == "both" else [a.mode]
        for mode in modes:
            if mode == "infer":
                model.eval()

                def step():
                    with torch.no_grad():
                        model(x)
            else:
                model.train()
                opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.05)
                target = torch.full((a.batch_size, 1000), 0.1 / 1000)
                target[torch.arange(a.batch_size), torch.randint(0, 1000, (a.batch_size,))] += 0.9

                def step():
                    opt.zero_grad(set_to_none=True)
                    loss = torch.sum(-target * F.log_softmax(model(x), dim=-1), dim=-1).mean()
                    loss.backward()
                    opt.step()
            t = time_steps(step, a.warmup, a.steps)
            sps = a.batch_size / t
            gflops = 2 * gmacs * sps * (3 if mode == "train" else 1)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            row = (f"{name},{mode},{a.img_size},{a.batch_size},{sps:.3f},{t * 1000:.1f},{params},{gmacs:.3f},"
                   f"{gflops:.2f},{rss:.0f},{backend_name()},{threads},{f'{gflops / ceiling:.3f}' if ceiling else ''}")
            print(row)
            sys.stdout.flush()
            rows.append(row)
    if a.csv:
        with open(a.csv, "a") as f:
            f.write("\n".join(rows) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
