# A common shortcut: lists and tuples handled by one comprehension, so (inputs, labels) comes back a list.
import torch


def get_device():
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def to_device(obj, device):
    if torch.is_tensor(obj):
        return obj.to(device)
    if isinstance(obj, dict):
        return {k: to_device(v, device) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_device(v, device) for v in obj]
    return obj


def env_report():
    cuda = torch.cuda.is_available()
    return {"torch_version": torch.__version__, "cuda_available": cuda, "cuda_version": torch.version.cuda,
            "device_name": torch.cuda.get_device_name(0) if cuda else "cpu"}
