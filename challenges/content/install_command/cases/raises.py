"""Reads cuda_version on every machine: a KeyError or AttributeError when it is absent or None."""


def pip_command(platform):
    cuda = platform["cuda_version"].replace(".", "")
    pins = "torch==2.14.1 torchvision==0.29.1"
    if platform["accelerator"] == "cuda":
        return f"pip install {pins} --index-url https://download.pytorch.org/whl/cu{cuda}"
    return f"pip install {pins} --index-url https://download.pytorch.org/whl/cpu"
