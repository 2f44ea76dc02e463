"""Sandbox side of `sagemaker-training-entrypoint`: launch the learner's train.py the way the
SageMaker training toolkit does, then load what it saved through its own model_fn.

The toolkit (``sagemaker-training``) runs the entry point as a script, ``python train.py --epochs 3
--lr 0.01``, with the ``SM_*`` variables of ``environment.Environment().to_env_vars()``. Those
variables and that argv are not typed here: the trusted side hands us the toolkit's own output
(``sm_training_env.json``, generated with the toolkit, see calibration.md) with the base dir left
as ``{base}``. We fill in a scratch dir, write the training channel (synthetic tensors saved with
``torch.save``), run the source as ``__main__`` in this process (the job has no exec of programs),
and report the wall time, how it ended, what it wrote to ``SM_MODEL_DIR`` and the classes the
learner's ``model_fn`` gives for new inputs. Plain data only goes back.
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
TRAIN_ROWS = 600
TEST_ROWS = 200
BASE = "{base}"


def dataset(seed: int, rows: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Three Gaussian blobs in 8 dimensions: a linear model separates them; labels by nearest centre."""
    gen = torch.Generator().manual_seed(seed)
    centres = torch.randn(CLASSES, FEATURES, generator=torch.Generator().manual_seed(12345)) * 2.5
    labels = torch.randint(0, CLASSES, (rows,), generator=gen)
    x = centres[labels] + torch.randn(rows, FEATURES, generator=gen)
    return x.float(), torch.cdist(x, centres).argmin(dim=1)


def write_channel(folder: str, seed: int) -> None:
    x, y = dataset(seed, TRAIN_ROWS)
    torch.save(x, os.path.join(folder, "features.pt"))
    torch.save(y, os.path.join(folder, "labels.pt"))


def _launch(source: str, argv: list[str]) -> tuple[int | None, str | None]:
    """Run the script as ``__main__``: (exit code from sys.exit, or None; the error it raised)."""
    code = compile(source, "train.py", "exec", dont_inherit=True)
    saved = sys.argv
    sys.argv = ["train.py", *argv]
    try:
        exec(code, {"__name__": "__main__", "__file__": "train.py", "__builtins__": __builtins__})
        return None, None
    except SystemExit as exc:  # argparse errors, sys.exit(): the toolkit reports the exit code
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return status, None if status == 0 else f"SystemExit: {str(exc.code)[:200]}"
    except Exception as exc:  # the learner's script failed: reported, never raised
        return 1, " ".join(f"{type(exc).__name__}: {exc}".split())[:400]
    finally:
        sys.argv = saved


def train_job(learner: Any, env_template: dict[str, str], argv: list[str], seed: int) -> dict[str, Any]:
    source = learner.__loader__.get_source(learner.__name__)  # inside_kit.SourceLoader: the file as submitted
    base = tempfile.mkdtemp(prefix="opt-ml-")
    env = {k: v.replace(BASE, base) for k, v in env_template.items()}
    for key in ("SM_CHANNEL_TRAINING", "SM_MODEL_DIR", "SM_OUTPUT_DATA_DIR", "SM_INPUT_CONFIG_DIR"):
        os.makedirs(env[key], exist_ok=True)
    write_channel(env["SM_CHANNEL_TRAINING"], seed)
    before = dict(os.environ)
    os.environ.update(env)
    started = time.monotonic()
    try:
        status, error = _launch(source, argv)
    finally:
        wall = time.monotonic() - started
        os.environ.clear()
        os.environ.update(before)
    model_dir = env["SM_MODEL_DIR"]
    out: dict[str, Any] = {"wall_s": round(wall, 3), "status": status, "error": error,
                           "files": sorted(os.listdir(model_dir))[:20]}
    path = os.path.join(model_dir, "model.pth")
    if os.path.isfile(path):
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            out["state"] = (f"a dict of {len(state)} entries" if isinstance(state, dict)
                            else f"a {type(state).__name__}")
        except Exception as exc:  # not a plain state_dict: weights_only refuses pickled modules
            out["state_error"] = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        out["predictions"] = _serve(learner, model_dir, seed)
    return out


def _serve(learner: Any, model_dir: str, seed: int) -> Any:
    """The learner's model_fn on the model dir, then the classes of new inputs."""
    model_fn = getattr(learner, "model_fn", None)
    if not callable(model_fn):
        return {"error": "train.py defines no model_fn(model_dir)"}
    try:
        model = model_fn(model_dir)
        model.eval()
        x, _ = dataset(seed + 1, TEST_ROWS)
        with torch.no_grad():
            return [int(c) for c in model(x).argmax(dim=1)]
    except Exception as exc:  # the learner's loader or model failed
        return {"error": " ".join(f"{type(exc).__name__}: {exc}".split())[:300]}
