"""Sandbox side of the ``trained`` kind: build, train and run the learner's model.

Runs inside the sandbox next to learner code (torch, numpy and ``inside_kit`` only). The
conversation: receive ``train_data`` -> load the module, build, smoke-forward, train -> send
``facts`` (module types, the weights as plain arrays, losses) -> receive ``test_inputs`` ->
predict -> send ``predictions``. Every phase is announced, so the supervisor enforces each one's
deadline and a crash says how far the code got. A text challenge (``gives = "texts"``) has no
``build_model``: ``fit(texts, labels, *args)`` returns the classifier (any object) and
``predict(clf, texts)`` labels lists of texts. Unit calls sent with the training data (``_calls``)
run first, in phase ``units`` (a call may name a scenario of the challenge's ``inside.py``, for
arguments JSON cannot carry: tensors, a ``torch.Generator``), and their results go back as one
``units`` message. Probes of a check with a runner (``contract["probe_runs"]``) go through that
runner instead of the prediction: ``codec`` encodes, decodes and forwards them (an autoencoder's
bottleneck). Learner functions are called positionally per the contract, ``time_budget_s`` by
keyword (design §2.13). Nothing sent from here is trusted.
"""

from __future__ import annotations

import contextlib
import importlib
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import torch
from torch import nn

from challenges.kinds import functions_inside, pretrained_inside
from challenges.kinds import inside_kit as kit
from challenges.kinds.base import Channel

WEIGHT_PREFIX = "w:"
PROBE_PREFIX = "probe:"
FIT_PREFIX = "fit:"
FIT_MAX_S = 2.0  # training rows are predicted only when the hidden ones took less than this
MAX_MODULE_TYPES = 50
MAX_CLASS_NAMES = 100
CALLS_KEY = "_calls"
MAX_WEIGHT_BYTES = 32 << 20  # weights larger than this stay in the sandbox (the channel caps a message at 64 MiB)


def _tensor(array: Any) -> torch.Tensor:
    array = np.ascontiguousarray(array)
    if array.dtype.kind == "f":
        return torch.from_numpy(array.astype(np.float32, copy=False))
    if array.dtype.kind in "iu":
        return torch.from_numpy(array.astype(np.int64, copy=False))
    return torch.from_numpy(array)


def raw_predictor(learner: ModuleType, model: Any, contract: dict[str, Any]) -> Callable[[Any], Any]:
    """The learner's prediction path before our post-processing: the model itself, or their function."""
    predict = contract["predict"]
    if predict.get("via") == "function":
        fn = kit.contract_fn(learner, str(predict["function"]))
        return lambda x: fn(model, x)
    return lambda x: model(x)


def post_process(output: np.ndarray, how: str) -> np.ndarray:
    if how == "argmax" and output.ndim >= 2 and output.shape[1] >= 1:
        return output.argmax(axis=1).astype(np.int64)
    return output


def train_phase(learner: ModuleType, data: dict[str, Any], contract: dict[str, Any], seed: int,
                budget_s: float, phase: Callable[[str], None]) -> tuple[nn.Module, Callable[[Any], torch.Tensor], Any]:
    """Build, smoke-test and train; returns the model, how hidden inputs become its input tensor,
    and the learner's class names (image folders only, else None)."""
    torch.manual_seed(seed)
    spec = contract["train"]
    if spec.get("gives") == "image_folder":
        return _train_from_folder(learner, data, contract, seed, budget_s, phase)
    if spec.get("gives") == "texts":
        return _fit_texts(learner, data, contract, budget_s, phase)
    if contract["build"].get("pretrained"):  # adapt(pretrained, ...) instead of build_model()
        return pretrained_inside.train_adapted(learner, data, contract, seed, budget_s, phase, _smoke_forward), _tensor, None
    arrays = [_tensor(data[name]) for name in spec["arrays"]]
    phase("build")
    model = kit.build(learner, *contract["build"].get("args", []))
    _smoke_forward(learner, model, contract, arrays[0][:2].clone(), phase)
    phase("train")
    train = kit.contract_fn(learner, spec.get("function", "train"))
    if spec.get("gives") == "loader":
        loader = kit.make_loader(*(a.numpy() for a in arrays), batch_size=int(spec.get("batch_size", 64)), seed=seed)
        train(model, loader, time_budget_s=budget_s)
    else:
        train(model, *arrays, time_budget_s=budget_s)
    return model, _tensor, None


def _smoke_forward(learner: ModuleType, model: nn.Module, contract: dict[str, Any], probe: Any,
                   phase: Callable[[str], None]) -> None:
    """One prediction on two training inputs (a tensor, or a list of texts) before training."""
    phase("forward")
    try:
        with _evaluating(model):
            raw_predictor(learner, model, contract)(probe)
    except Exception:
        send_trace(model, lambda: raw_predictor(learner, model, contract)(
            probe.clone() if isinstance(probe, torch.Tensor) else list(probe)))
        raise
    model.train()


def write_image_folder(root: Path, pixels: np.ndarray, labels: np.ndarray, classes: list[str], val_share: float) -> None:
    """``root/{train,val}/{class}/{i:05d}.png``: the split as files, the way datasets ship."""
    from PIL import Image

    n_val = max(len(classes), round(len(pixels) * val_share))
    for i, (image, label) in enumerate(zip(pixels, labels, strict=True)):
        split = "val" if i >= len(pixels) - n_val else "train"
        folder = root / split / classes[int(label)]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8)).save(folder / f"{i:05d}.png")


def _folder_transform(val_loader: Any) -> Callable[[Any], torch.Tensor]:
    """Hidden images (uint8 HWC arrays) through the validation loader's own transform."""
    from PIL import Image

    dataset = getattr(val_loader, "dataset", None)
    transform = getattr(dataset, "transform", None)

    def to_input(pixels: Any) -> torch.Tensor:
        images = [Image.fromarray(np.ascontiguousarray(p, dtype=np.uint8)).convert("RGB") for p in np.asarray(pixels)]
        if transform is None:
            return torch.stack([torch.from_numpy(np.asarray(im, dtype=np.float32) / 255).permute(2, 0, 1) for im in images])
        out = [transform(im) for im in images]
        if not all(isinstance(t, torch.Tensor) for t in out):
            raise kit.ContractError("the validation loader's transform must turn an image into a tensor (add ToTensor())")
        return torch.stack(out)

    return to_input


def _train_from_folder(learner: ModuleType, data: dict[str, Any], contract: dict[str, Any], seed: int,
                       budget_s: float, phase: Callable[[str], None]) -> tuple[nn.Module, Callable[[Any], torch.Tensor], Any]:
    spec = contract["train"]
    pixels, labels = (np.asarray(data[name]) for name in spec["arrays"])
    root = Path(tempfile.mkdtemp(prefix="images-"))  # the scratch in the sandbox (TMPDIR)
    write_image_folder(root, pixels, labels, list(spec["classes"]), float(spec.get("val_share", 0.2)))
    phase("build")
    made = kit.contract_fn(learner, spec.get("loaders", "make_loaders"))(str(root))
    if not isinstance(made, tuple) or len(made) != 3:
        raise kit.ContractError(f"{spec.get('loaders', 'make_loaders')}(root) must return "
                                "(train_loader, val_loader, class_names)")
    train_loader, val_loader, class_names = made
    model = kit.build(learner, *contract["build"].get("args", []))
    to_input = _folder_transform(val_loader)
    _smoke_forward(learner, model, contract, to_input(pixels[:2]), phase)
    phase("train")
    kit.contract_fn(learner, spec.get("function", "train"))(model, train_loader, time_budget_s=budget_s)
    shutil.rmtree(root, ignore_errors=True)  # hidden images go through the transform, not through files
    return model, to_input, class_names


def _identity(texts: Any) -> Any:
    return texts


def _fit_texts(learner: ModuleType, data: dict[str, Any], contract: dict[str, Any], budget_s: float,
               phase: Callable[[str], None]) -> tuple[Any, Callable[[Any], Any], Any]:
    """``fit(texts, labels, *args, time_budget_s=...)``: the learner builds its own vocabulary and
    model from plain strings, as it would outside the grader. With ``builds``: ``build_model``
    first, a smoke prediction on two texts, then ``train(model, texts, labels, *args)``."""
    spec = contract["train"]
    text_name, label_name = spec["arrays"]
    texts = [str(t) for t in data[text_name]]
    labels = _tensor(data[label_name])
    if spec.get("builds"):
        phase("build")
        model = kit.build(learner, *contract["build"].get("args", []))
        _smoke_forward(learner, model, contract, texts[:2], phase)
        phase("train")
        kit.contract_fn(learner, spec.get("function", "train"))(model, texts, labels, *spec.get("args", []),
                                                               time_budget_s=budget_s)
        return model, _identity, None
    phase("train")
    fit = kit.contract_fn(learner, spec.get("function", "fit"))
    clf = fit(texts, labels, *spec.get("args", []), time_budget_s=budget_s)
    if clf is None:
        raise kit.ContractError(f"{spec.get('function', 'fit')}() must return the trained classifier (it returned None)")
    return clf, _identity, None


def _module_of(clf: Any) -> nn.Module | None:
    """The network inside a classifier: itself, or the first module in a tuple, list, dict or its attributes."""
    if isinstance(clf, nn.Module):
        return clf
    items: list[Any] = []
    if isinstance(clf, (tuple, list)):
        items = list(clf)
    elif isinstance(clf, dict):
        items = list(clf.values())
    elif hasattr(clf, "__dict__"):
        items = list(vars(clf).values())
    return next((i for i in items[:50] if isinstance(i, nn.Module)), None)


_trace_sink: Callable[[list[dict[str, Any]]], None] | None = None


def send_trace(model: nn.Module, run: Callable[[], Any]) -> None:
    """The per-layer shape table of a forward pass that raised, sent before the error surfaces."""
    if _trace_sink is not None:
        with _evaluating(model):
            rows = kit.trace_shapes(model, run)
        if rows:
            _trace_sink(rows)


def _takes_input_and_hidden(module: nn.Module) -> bool:
    """Whether a module of the learner's own class has a step-wise ``forward(input, hidden)``:
    at least two positional parameters after ``self`` (torch's own layers are judged by type)."""
    import inspect

    if type(module).__module__.startswith("torch."):
        return False
    try:
        params = list(inspect.signature(type(module).forward).parameters.values())[1:]
    except (TypeError, ValueError):
        return False
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in positional for p in params) >= 2


def recurrent_layers(model: nn.Module) -> list[nn.Module]:
    """torch's recurrent layers in the model: nn.RNN/LSTM/GRU and their cells."""
    return [m for m in model.modules() if isinstance(m, (nn.RNNBase, nn.RNNCellBase))]


def stepwise_modules(model: nn.Module) -> list[nn.Module]:
    """The learner's own modules with a step-wise ``forward(input, hidden)`` (a hand-written RNN)."""
    return [m for m in list(model.modules())[:1000] if _takes_input_and_hidden(m)]


def facts_of(clf: Any) -> dict[str, Any]:
    model = _module_of(clf)
    if model is None:  # a classifier without a network (a text challenge's counts): nothing to weigh
        return {"module_types": [], "n_params": 0, "parameter_names": []}
    out: dict[str, Any] = {"module_types": kit.module_types(model)[:MAX_MODULE_TYPES]}
    out["bidirectional_rnn"] = any(isinstance(m, nn.RNNBase) and m.bidirectional for m in model.modules())
    out["recurrent_modules"] = sorted({type(m).__name__ for m in recurrent_layers(model)})[:MAX_MODULE_TYPES]
    out["stepwise_modules"] = sorted({type(m).__name__ for m in stepwise_modules(model)})[:MAX_MODULE_TYPES]
    state = {k: v for k, v in model.state_dict().items() if isinstance(v, torch.Tensor)}
    size = sum(t.numel() * t.element_size() for t in state.values())
    out["n_params"] = kit.n_params(model)
    if size > MAX_WEIGHT_BYTES:  # far past any challenge's parameter bound: say so instead of sending it
        out["weights_omitted_bytes"] = int(size)
    else:
        for name, tensor in state.items():
            out[WEIGHT_PREFIX + name] = tensor.detach().cpu().numpy()
    out["parameter_names"] = [name for name, _ in model.named_parameters()][:5000]
    return out


@contextlib.contextmanager
def _evaluating(clf: Any) -> Any:
    """Eval mode and no_grad for a classifier's network, or no_grad alone when it has none."""
    model = _module_of(clf)
    if model is None:
        with torch.no_grad():
            yield
    else:
        with kit.evaluating(model):
            yield


def predict_phase(learner: ModuleType, model: Any, inputs: dict[str, Any], contract: dict[str, Any],
                  to_input: Callable[[Any], Any] = _tensor) -> dict[str, Any]:
    predict = contract["predict"]
    run = raw_predictor(learner, model, contract)
    calls: list[int] = []
    recurrent_calls: list[int] = []
    stepwise_calls: list[int] = []
    network = _module_of(model)
    rnns = [m for m in network.modules() if isinstance(m, nn.RNNBase) and m.bidirectional] if network else []
    hooks = [m.register_forward_hook(lambda *_: calls.append(1)) for m in rnns]
    if network is not None:  # which recurrence the prediction really runs (the `recurrent` check)
        hooks += [m.register_forward_hook(lambda *_: recurrent_calls.append(1)) for m in recurrent_layers(network)]
        hooks += [m.register_forward_hook(lambda *_: stepwise_calls.append(1)) for m in stepwise_modules(network)]
    out: dict[str, Any] = {}
    try:
        x = to_input(inputs[predict["input"]])
        batch_size = int(predict.get("batch_size", 250))
        started = time.monotonic()
        with _evaluating(model):
            raw = kit.batched(run, x, batch_size, "the prediction")
        out["pred"] = post_process(raw, str(predict.get("output", "raw")))
        out["bidirectional_ran"] = bool(calls)
        out["recurrent_ran"] = bool(recurrent_calls)
        out["stepwise_ran"] = len(stepwise_calls) > -(-len(x) // batch_size)  # more calls than batches: steps
    finally:
        for hook in hooks:
            hook.remove()
    cheap = time.monotonic() - started < FIT_MAX_S  # a slow model keeps its prediction time for what counts
    for key, value in inputs.items():  # training rows: the same post-processing as the hidden ones
        if key.startswith(FIT_PREFIX) and cheap:
            with contextlib.suppress(Exception), _evaluating(model):
                out[key] = post_process(kit.batched(run, to_input(value), int(predict.get("batch_size", 250)),
                                                    "the prediction"), str(predict.get("output", "raw")))
    runs: dict[str, Any] = contract.get("probe_runs") or {}
    for prefix, spec in runs.items():  # probes of checks with their own runner
        if spec.get("run") == "codec" and network is not None:
            out.update(codec_outputs(network, run, inputs, prefix, spec))
    for key, value in inputs.items():  # probes: the raw output, for shape and determinism checks
        if key.startswith(PROBE_PREFIX) and key.rsplit(":", 1)[0] not in runs:
            try:
                with _evaluating(model):
                    out[key] = kit.to_numpy(run(to_input(value)), "the prediction")
            except Exception as exc:  # a probe that fails is reported, not fatal: the check says why
                out[key + ":error"] = f"{type(exc).__name__}: {exc}"[:300]
    return out


def codec_outputs(model: nn.Module, predict: Callable[[Any], Any], inputs: dict[str, Any], prefix: str,
                  spec: dict[str, Any]) -> dict[str, Any]:
    """An autoencoder on two probe batches (``prefix:a``, ``prefix:b``): both are encoded before
    either code is decoded, and each code is decoded from a copy, so decode must work from z alone
    (a model that keeps the last input cannot pass); then forward and the prediction on ``a``."""
    try:
        encode = getattr(model, str(spec.get("encode", "encode")), None)
        decode = getattr(model, str(spec.get("decode", "decode")), None)
        if not callable(encode) or not callable(decode):
            raise kit.ContractError("the model must have methods encode(x) and decode(z)")
        a, b = _tensor(inputs[prefix + ":a"]), _tensor(inputs[prefix + ":b"])
        with kit.evaluating(model):
            code_a, code_b = encode(a.clone()), encode(b.clone())
            for code in (code_a, code_b):
                if not isinstance(code, torch.Tensor):
                    raise kit.ContractError(f"encode(x) must return a tensor, got {type(code).__name__}")
            decoded_b = kit.to_numpy(decode(code_b.clone()), "decode(z)")
            decoded = kit.to_numpy(decode(code_a.clone()), "decode(z)")
            forward = kit.to_numpy(model(a.clone()), "model(x)")
            denoised = kit.to_numpy(predict(a.clone()), "the prediction")
        return {prefix + ":code": kit.to_numpy(code_a, "encode(x)"), prefix + ":decoded": decoded,
                prefix + ":forward": forward, prefix + ":denoised": denoised, prefix + ":decoded_b": decoded_b}
    except Exception as exc:  # reported to the check, which says why it fails
        return {prefix + ":error": f"{type(exc).__name__}: {exc}"[:300]}


def main(channel: Channel, job: dict[str, Any]) -> None:
    params = job["params"]
    contract = params["contract"]

    def phase(name: str) -> None:
        channel.send("phase", name=name)

    global _trace_sink
    _trace_sink = lambda rows: channel.send("trace", {"rows": rows})  # noqa: E731

    data = channel.recv()["payload"]
    progress = kit.ProgressHooks(channel.send)
    progress.install()
    phase("load")
    learner = kit.load_learner_module(job["source"], job["filename"])
    calls = data.pop(CALLS_KEY, None)
    if isinstance(calls, list) and calls:
        phase("units")
        scenarios = importlib.import_module(str(params["inside"])) if params.get("inside") else None
        channel.send("units", functions_inside.run_calls(learner, calls, {}, scenarios))
    model, to_input, class_names = train_phase(learner, data, contract, int(params["run_seed"]),
                                               float(params["time_budget_s"]), phase)
    progress.remove()
    phase("facts")
    facts = facts_of(model)
    if contract["build"].get("pretrained"):
        facts.update(pretrained_inside.observed_facts(model))
    if isinstance(class_names, (list, tuple)):
        facts["class_names"] = [str(c)[:60] for c in list(class_names)[:MAX_CLASS_NAMES]]
    facts["_losses"] = np.asarray(progress.losses, dtype=np.float32)
    facts["_steps"] = progress.steps
    channel.send("facts", facts)
    inputs = channel.recv()["payload"]
    phase("predict")
    predictions = predict_phase(learner, model, inputs, contract, to_input)
    kit.flush_output()
    channel.send("predictions", predictions)
