# Negative control: the device is fixed by hand; to_device and env_report are right.
import torch

DEVICE = torch.device("cpu")


def get_device():
    return DEVICE


def to_device(obj, device):
    if isinstance(obj, torch.Tensor):
        return obj.to(device)
    if isinstance(obj, dict):
        return {k: to_device(v, device) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_device(v, device) for v in obj)
    return obj


def env_report():
    cuda = torch.cuda.is_available()
    return {"torch_version": torch.__version__, "cuda_available": cuda, "cuda_version": torch.version.cuda,
            "device_name": torch.cuda.get_device_name(0) if cuda else "cpu"}
