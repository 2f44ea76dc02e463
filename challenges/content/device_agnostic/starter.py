"""device-agnostic: code that runs unchanged on a laptop, a Mac and a GPU server.

Contract:
    get_device() -> torch.device          CUDA if available, else MPS if available, else CPU
    to_device(obj, device)                 every tensor in nested lists/tuples/dicts moved to device
    env_report() -> dict                   torch_version, cuda_available, cuda_version, device_name
"""

import torch


def get_device():
    # Works on this laptop... and nowhere with a GPU.
    return torch.device("cpu")


def to_device(obj, device):
    # Only handles a bare tensor: a batch dict or a (inputs, labels) tuple is not moved.
    return obj.to(device)


def env_report():
    return {
        "torch_version": torch.__version__,
        "cuda_available": False,
        "cuda_version": None,
        "device_name": "cpu",
    }
