"""Reference solution for install-command: one pip command per machine, from a small wheel table."""

TORCH = "2.14.1"
TORCHVISION = "0.29.1"  # torch 2.X pairs with torchvision 0.(X+15)
INDEX = "https://download.pytorch.org/whl/"

# The CUDA and ROCm builds published for torch 2.14 (see the version table in the statement).
CUDA_WHEELS = {"12.6": "cu126", "12.8": "cu128", "13.0": "cu130", "13.2": "cu132"}
ROCM_WHEELS = {"7.2": "rocm7.2"}


def _version(text):
    """"12.8" -> (12, 8), so that versions compare as numbers (12.10 > 12.9)."""
    return tuple(int(part) for part in str(text).split("."))


def _newest_at_most(wheels, have):
    """The wheel built for the newest version <= `have`, or None when every wheel is newer."""
    fitting = [v for v in wheels if _version(v) <= _version(have)]
    if not fitting:
        return None
    return wheels[max(fitting, key=_version)]


def pip_command(platform):
    pins = f"torch=={TORCH} torchvision=={TORCHVISION}"
    if platform["os"] == "macos":
        return f"pip install {pins}"  # PyPI's macOS wheels have MPS built in: no index URL
    tag = "cpu"
    accelerator = platform.get("accelerator")
    if accelerator == "cuda" and platform.get("cuda_version"):
        tag = _newest_at_most(CUDA_WHEELS, platform["cuda_version"]) or "cpu"
    elif accelerator == "rocm" and platform["os"] == "linux" and platform.get("rocm_version"):
        tag = _newest_at_most(ROCM_WHEELS, platform["rocm_version"]) or "cpu"
    return f"pip install {pins} --index-url {INDEX}{tag}"
