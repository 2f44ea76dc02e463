# As the CIFAR-10 tutorial writes it ("Training on GPU"): right for CUDA, but a Mac gets the CPU.
import torch


def get_device():
    return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")


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
