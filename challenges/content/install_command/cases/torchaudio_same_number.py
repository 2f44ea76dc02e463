"""Adds torchaudio with torch's number, as before 2.12: torchaudio 2.14.1 was never published."""

CUDA_WHEELS = [("12.6", "cu126"), ("12.8", "cu128"), ("13.0", "cu130"), ("13.2", "cu132")]


def _v(text):
    return tuple(int(p) for p in text.split("."))


def pip_command(platform):
    pins = "torch==2.14.1 torchvision==0.29.1 torchaudio==2.14.1"
    if platform["os"] == "macos":
        return f"python3 -m pip install {pins}"
    tag = "cpu"
    if platform["accelerator"] == "cuda":
        fitting = [t for v, t in CUDA_WHEELS if _v(v) <= _v(platform["cuda_version"])]
        tag = fitting[-1] if fitting else "cpu"
    elif platform["accelerator"] == "rocm":
        tag = "rocm7.2"
    return f"python3 -m pip install {pins} --index-url https://download.pytorch.org/whl/{tag}"
