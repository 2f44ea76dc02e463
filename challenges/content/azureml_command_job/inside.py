"""Sandbox side of `azureml-command-job`: run the job's command locally, as Azure ML would run it
on the compute, with the data asset and the outputs replaced by scratch folders.

The trusted side (``hooks.py``) has read the job YAML and turned its ``command`` into an argv in
which every ``${{inputs.X}}`` data input is ``{data}`` and every ``${{outputs.Y}}`` is
``{output:Y}`` (literal inputs already substituted). Here the training data is written to a
scratch folder, the tokens become paths, the script is copied into a scratch code folder and runs
as ``__main__`` from there (``__file__`` points into it; the job cannot change its working
directory, so relative paths resolve against the job's scratch folder). What each output folder then holds is reported: its files, and for
the model output whether a file loads as a model (``torch.load(weights_only=True)`` giving
tensors, or ``torch.export.load``). Plain data only goes back.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from typing import Any

import torch

FEATURES = 8
CLASSES = 3
ROWS = 600
MAX_LISTED = 20
MODEL_SUFFIXES = (".pt", ".pth", ".pt2", ".bin")


def write_data(folder: str, seed: int) -> None:
    """The data asset: features.pt (float32, (600, 8)) and labels.pt (int64, 3 classes)."""
    gen = torch.Generator().manual_seed(seed)
    centres = torch.randn(CLASSES, FEATURES, generator=gen) * 2.5
    labels = torch.randint(0, CLASSES, (ROWS,), generator=gen)
    torch.save(centres[labels] + torch.randn(ROWS, FEATURES, generator=gen), os.path.join(folder, "features.pt"))
    torch.save(labels, os.path.join(folder, "labels.pt"))


def _argv(template: list[str], data: str, outputs: dict[str, str]) -> list[str]:
    out = []
    for arg in template:
        arg = arg.replace("{data}", data)
        for name, path in outputs.items():
            arg = arg.replace("{output:" + name + "}", path)
        out.append(arg)
    return out


def _files(folder: str) -> list[str]:
    found: list[str] = []
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            found.append(os.path.relpath(os.path.join(root, name), folder))
            if len(found) >= MAX_LISTED:
                return found
    return found


def _loads(path: str) -> str | None:
    """What the file loads as, or None when it is not a model torch can load safely."""
    if path.endswith(".pt2"):
        try:
            torch.export.load(path)
            return "a torch.export program"
        except Exception:  # not an export archive
            return None
    try:
        value = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # a pickled module, or not a torch file: weights_only refuses it
        return None
    if isinstance(value, dict):
        tensors = [v for v in value.values() if isinstance(v, torch.Tensor)]
        nested = [v for v in value.values() if isinstance(v, dict)]  # a checkpoint {"model": state_dict, ...}
        count = len(tensors) + sum(sum(isinstance(x, torch.Tensor) for x in d.values()) for d in nested)
        return f"a state_dict of {count} tensors" if count else None
    return None


def run_command(learner: Any, argv_template: list[str], outputs: list[str], model_output: str, seed: int) -> dict[str, Any]:
    source = learner.__loader__.get_source(learner.__name__)  # inside_kit.SourceLoader: the file as submitted
    scratch = tempfile.mkdtemp(prefix="azureml-")
    code_dir, data_dir = os.path.join(scratch, "code"), os.path.join(scratch, "data")
    os.makedirs(code_dir)
    os.makedirs(data_dir)
    write_data(data_dir, seed)
    out_dirs = {name: os.path.join(scratch, "outputs", name) for name in outputs}
    for path in out_dirs.values():
        os.makedirs(path)
    argv = _argv(argv_template, data_dir, out_dirs)
    script = os.path.join(code_dir, argv[0])  # the uploaded code folder: the script sits in it
    with open(script, "w", encoding="utf-8") as fh:
        fh.write(source)
    saved_argv = sys.argv
    sys.argv = argv
    started = time.monotonic()
    error = None
    try:
        exec(compile(source, script, "exec", dont_inherit=True), {"__name__": "__main__", "__file__": script})
    except SystemExit as exc:  # argparse errors and sys.exit(n)
        if exc.code not in (0, None):
            error = f"SystemExit: {str(exc.code)[:200]}"
    except Exception as exc:  # the learner's script failed: reported, never raised
        error = " ".join(f"{type(exc).__name__}: {exc}".split())[:400]
    finally:
        wall = time.monotonic() - started
        sys.argv = saved_argv
    listing = {name: _files(path) for name, path in out_dirs.items()}
    models = {}
    if model_output in out_dirs:
        for rel in listing[model_output]:
            if rel.endswith(MODEL_SUFFIXES):
                what = _loads(os.path.join(out_dirs[model_output], rel))
                if what:
                    models[rel] = what
    return {"wall_s": round(wall, 3), "error": error, "outputs": listing, "models": models}
