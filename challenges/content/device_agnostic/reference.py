"""Reference solution for device-agnostic: ask torch at call time, move data by its structure."""

import torch


def get_device():
    """The best device this machine has: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def to_device(obj, device):
    """Move every tensor inside lists, tuples and dicts to `device`; other values stay as they are."""
    if isinstance(obj, torch.Tensor):
        return obj.to(device)
    if isinstance(obj, dict):
        return {key: to_device(value, device) for key, value in obj.items()}
    if isinstance(obj, list):
        return [to_device(value, device) for value in obj]
    if isinstance(obj, tuple):
        return tuple(to_device(value, device) for value in obj)
    return obj


def env_report():
    cuda = torch.cuda.is_available()
    return {
        "torch_version": torch.__version__,
        "cuda_available": cuda,
        "cuda_version": torch.version.cuda,  # None on a CPU-only wheel
        "device_name": torch.cuda.get_device_name(0) if cuda else str(get_device()),
    }
