"""The commands the "Get started" selector prints, copied per platform: right builds, no pins."""

SELECTOR_CUDA = [("12.6", "cu126"), ("12.8", "cu128"), ("13.0", "cu130"), ("13.2", "cu132")]


def _v(text):
    return tuple(int(p) for p in text.split("."))


def pip_command(platform):
    if platform["os"] == "macos":
        return "pip3 install torch torchvision"
    if platform["os"] == "windows" and platform["accelerator"] == "cpu":
        return "pip3 install torch torchvision"
    tag = "cpu"
    if platform["accelerator"] == "cuda":
        fitting = [t for v, t in SELECTOR_CUDA if _v(v) <= _v(platform["cuda_version"])]
        tag = fitting[-1] if fitting else "cpu"
    elif platform["accelerator"] == "rocm":
        tag = "rocm7.2"
    return f"pip3 install torch torchvision --index-url https://download.pytorch.org/whl/{tag}"
