"""Copied once from a blog post: the same CUDA 12.1 command for every machine."""


def pip_command(platform):
    return "pip install torch==2.5.1 torchvision==0.20.1 --index-url https://download.pytorch.org/whl/cu121"
