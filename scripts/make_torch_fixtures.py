#!/usr/bin/env python3
"""Writes the PyTorch checkpoint fixtures of tokenmix's .pth reader (dev.tokenmix.core.io.torch) into
tokenmix-core/src/test/resources/io/torch/. Run once from the repository root with a Python that has torch
(Debian: apt-get install -y python3-torch, which gives torch 1.13 for /usr/bin/python3):

    /usr/bin/python3 scripts/make_torch_fixtures.py

The build and the tests never run Python; the output files are committed. Every tensor value follows a rule the
Java test recomputes (see pattern() below), so the tests compare element by element.

The hostile fixtures really are hostile: loading them with pickle or torch.load runs a command that creates the
marker file target/tokenmix-torch-pwned.marker (relative to the working directory). This script checks that by
loading each one in a scratch directory, so a Java test that finds no marker after refusing them proves something.
"""
import argparse
import collections
import io
import os
import pathlib
import pickle
import shutil
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import torch

OUT = "tokenmix-core/src/test/resources/io/torch/"
MARKER = "target/tokenmix-torch-pwned.marker"


def pattern(n, dtype):
    """Element i of a fixture tensor with n elements, in C order:
    floating: i * 0.25 - 1 (exact in float16 and bfloat16 for the sizes used here),
    int64: i * 1000003 - 7 + 2**40, other integers: i * 3 - 5 (uint8: i * 3), bool: i % 3 == 0."""
    i = torch.arange(n, dtype=torch.int64)
    if dtype.is_floating_point:
        return (i.to(torch.float64) * 0.25 - 1).to(dtype)
    if dtype == torch.bool:
        return i % 3 == 0
    if dtype == torch.int64:
        return i * 1000003 - 7 + 2 ** 40
    if dtype == torch.uint8:
        return (i * 3).to(dtype)
    return (i * 3 - 5).to(dtype)


def pat(dtype, *shape):
    n = 1
    for s in shape:
        n *= s
    return pattern(n, dtype).reshape(shape)


def state_dict():
    """Every dtype, a 0-d and an empty tensor, views: transposed, sliced with a storage offset, sharing a storage,
    a stride-0 expansion; a tied pair (one tensor object under two keys) and an nn.Parameter."""
    sd = collections.OrderedDict()
    sd["f32"] = pat(torch.float32, 2, 3, 4)
    sd["f64"] = pat(torch.float64, 3)
    sd["f16"] = pat(torch.float16, 3, 4)
    sd["bf16"] = pat(torch.bfloat16, 2, 5)
    sd["i64"] = pat(torch.int64, 5)
    sd["i32"] = pat(torch.int32, 4)
    sd["i16"] = pat(torch.int16, 4)
    sd["i8"] = pat(torch.int8, 4)
    sd["u8"] = pat(torch.uint8, 4)
    sd["bool"] = pat(torch.bool, 2, 3)
    sd["scalar"] = torch.tensor(3.5)
    sd["empty"] = torch.zeros(0, 3)
    base = pat(torch.float32, 4, 3)
    sd["transposed"] = base.t()                      # shape (3, 4), stride (1, 3)
    big = pat(torch.float32, 4, 5)
    sd["sliced"] = big[1:3, 2:5]                     # shape (2, 3), offset 7, stride (5, 1)
    shared = pat(torch.float32, 10)
    sd["shared_a"] = shared.view(2, 5)               # offset 0
    sd["shared_b"] = shared[3:9]                     # same storage, offset 3
    sd["expanded"] = torch.tensor([1.5]).expand(2, 3)  # stride (0, 0)
    sd["param"] = torch.nn.Parameter(pat(torch.float32, 2, 3))
    tied = pat(torch.float32, 3)
    sd["tied_a"] = tied
    sd["tied_b"] = tied
    return sd


def nested_checkpoint():
    """The layout of the papers' training scripts: weights, EMA weights, optimizer state, epoch, argparse args."""
    # a real module's state_dict(), which carries the _metadata attribute (module versions) set with BUILD
    net = torch.nn.Sequential(collections.OrderedDict(head=torch.nn.Linear(3, 2), bn=torch.nn.BatchNorm1d(2)))
    with torch.no_grad():
        net.head.weight.copy_(pat(torch.float32, 2, 3))
        net.head.bias.copy_(pat(torch.float32, 2))
    model = net.state_dict()
    assert hasattr(model, "_metadata")
    ema = collections.OrderedDict((k, v * 2) for k, v in model.items() if k.startswith("head."))
    optimizer = {
        "state": {0: {"step": torch.tensor(3.0), "exp_avg": pat(torch.float32, 2, 3)}},
        "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "weight_decay": 0.05, "amsgrad": False,
                          "params": [0, 1]}],
    }
    args = argparse.Namespace(model="pacavit_tiny", lr=0.001, epochs=300, drop_path=0.1, amp=True, resume=None,
                              input_size=[3, 224, 224], mean=(0.485, 0.456, 0.406),
                              best=np.float64(81.5), seed=np.int64(7), flag=np.bool_(True),
                              half=np.float16(-1.5), single=np.float32(0.25), byte=np.uint8(200),
                              grid=np.arange(6, dtype=np.float32).reshape(2, 3),
                              grid_be=np.arange(3, dtype=">i4"),
                              grid_f=np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)),
                              output_dir=pathlib.PurePosixPath("/runs/exp1"),
                              device=torch.device("cuda", 0), dtype=torch.float16)
    return {"model": model, "model_ema": ema, "optimizer": optimizer, "epoch": 3, "args": args,
            "best_acc1": 81.25, "blob": b"\x00\x01\xff", "tags": {"a", "b"}}


class Evil:
    """A pickle that runs a callable with arguments when loaded."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def touch_cmd():
    return "mkdir -p target && touch " + MARKER


def hostile():
    """name -> (bytes of the file, how Python would load it)."""
    out = {}
    # os.system pickles as posix.system on Linux: torch.save puts it into a zip checkpoint's data.pkl beside a tensor
    buf = io.BytesIO()
    torch.save({"model": state_dict_small(), "x": Evil(os.system, touch_cmd())}, buf)
    out["evil_posix_system.pth"] = (buf.getvalue(), "torch")
    # the same call spelled os.system, a bare pickle (protocol 2, as torch.save writes it)
    p = pickle.dumps(Evil(os.system, touch_cmd()), protocol=2).replace(b"cposix\nsystem\n", b"cos\nsystem\n")
    out["evil_os_system.pkl"] = (p, "pickle")
    # builtins.eval with protocol 4 (STACK_GLOBAL)
    code = "__import__('os').system(%r)" % touch_cmd()
    out["evil_builtins_eval.pkl"] = (pickle.dumps(Evil(eval, code), protocol=4), "pickle")
    # subprocess.Popen inside a legacy-format (torch < 1.6) checkpoint
    buf = io.BytesIO()
    torch.save({"model": state_dict_small(), "cb": Evil(subprocess.Popen, ["sh", "-c", touch_cmd()])}, buf,
               _use_new_zipfile_serialization=False)
    out["evil_subprocess_popen_legacy.pth"] = (buf.getvalue(), "torch")
    # a whole nn.Module, as torch.save(model) writes it
    torch.manual_seed(0)
    buf = io.BytesIO()
    torch.save(torch.nn.Linear(2, 2), buf)
    out["evil_nn_module.pth"] = (buf.getvalue(), None)
    return out


def state_dict_small():
    sd = collections.OrderedDict()
    sd["w"] = pat(torch.float32, 2, 2)
    return sd


def big_endian_copy(src, dst):
    """A zip checkpoint as a big-endian machine writes it: a byteorder record saying 'big', storages byte-swapped.
    torch writes nothing else differently; this is built by hand because no big-endian machine is at hand."""
    zin = zipfile.ZipFile(src)
    prefix = [n for n in zin.namelist() if n.endswith("/data.pkl")][0][:-len("data.pkl")]
    data_pkl = zin.read(prefix + "data.pkl")
    # element size per storage key, read back from the pickle's persistent ids
    elem = {}

    class Scan(pickle.Unpickler):
        def persistent_load(self, pid):
            _, storage_type, key, _, _ = pid
            elem[key] = storage_type(0).element_size() if storage_type is not torch.UntypedStorage else 1
            return None

        def find_class(self, module, name):
            if module == "torch._utils":
                return lambda *a: None
            return super().find_class(module, name)

    Scan(io.BytesIO(data_pkl)).load()
    zout = zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED)
    for info in zin.infolist():
        data = zin.read(info.filename)
        rel = info.filename[len(prefix):]
        if rel.startswith("data/"):
            e = elem[rel[len("data/"):]]
            a = np.frombuffer(data, dtype=np.uint8).reshape(-1, e)[:, ::-1]
            data = a.tobytes()
        zout.writestr(zipfile.ZipInfo(prefix + rel, date_time=(1980, 1, 1, 0, 0, 0)), data)
    zout.writestr(zipfile.ZipInfo(prefix + "byteorder", date_time=(1980, 1, 1, 0, 0, 0)), "big")
    zout.close()


def check_hostile(name, data, how):
    """Loads the fixture in Python in a scratch directory and returns whether the marker appeared."""
    if how is None:
        return None
    cwd = os.getcwd()
    d = tempfile.mkdtemp()
    try:
        os.chdir(d)
        f = io.BytesIO(data)
        try:
            if how == "torch":
                torch.load(f)
            else:
                pickle.load(f)
        except Exception:
            pass
        import time
        for _ in range(50):  # Popen runs in the background
            if os.path.exists(MARKER):
                break
            time.sleep(0.05)
        return os.path.exists(MARKER)
    finally:
        os.chdir(cwd)
        shutil.rmtree(d)


def main():
    os.makedirs(OUT, exist_ok=True)
    sd = state_dict()
    torch.save(sd, OUT + "state_dict_zip.pth")
    torch.save(sd, OUT + "state_dict_legacy.pth", _use_new_zipfile_serialization=False)
    torch.save(sd, OUT + "state_dict_zip_proto4.pth", pickle_protocol=4)
    big_endian_copy(OUT + "state_dict_zip.pth", OUT + "state_dict_big_endian.pth")
    ck = nested_checkpoint()
    torch.save(ck, OUT + "checkpoint_nested.pth.tar")
    torch.save(ck, OUT + "checkpoint_nested_legacy.pth", _use_new_zipfile_serialization=False)

    # the fixtures load back equal in torch (torch 1.13 predates the byteorder record: the big-endian copy is
    # checked by the Java test, which must find the same values as in state_dict_zip.pth)
    for name in ["state_dict_zip.pth", "state_dict_legacy.pth", "state_dict_zip_proto4.pth"]:
        back = torch.load(OUT + name)
        assert list(back.keys()) == list(sd.keys()), name
        for k in sd:
            assert back[k].dtype == sd[k].dtype and back[k].shape == sd[k].shape, (name, k)
            assert torch.equal(back[k], sd[k]), (name, k)

    zb = zipfile.ZipFile(OUT + "state_dict_big_endian.pth")
    assert zb.read([n for n in zb.namelist() if n.endswith("/byteorder")][0]) == b"big"

    for name, (data, how) in hostile().items():
        with open(OUT + name, "wb") as f:
            f.write(data)
        ran = check_hostile(name, data, how)
        if how is not None and not ran:
            sys.exit("fixture %s does not run its command when Python loads it" % name)
        print("%-36s %6d bytes%s" % (name, len(data), "  (Python runs its command)" if ran else ""))
    for name in sorted(os.listdir(OUT)):
        print("%-36s %6d bytes" % (name, os.path.getsize(OUT + name)))
    print("torch", torch.__version__, "numpy", np.__version__, "python", sys.version.split()[0])


if __name__ == "__main__":
    main()
