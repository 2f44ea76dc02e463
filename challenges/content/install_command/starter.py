"""install-command: return the pip command that installs torch and torchvision on `platform`.

`platform` is a dict such as
    {"os": "linux", "arch": "x86_64", "accelerator": "cuda", "cuda_version": "12.8"}
with os in linux/windows/macos, accelerator in cpu/cuda/rocm/mps, and cuda_version /
rocm_version given as strings ("12.8", "7.2") or absent/None.
"""


def pip_command(platform):
    # A first attempt: this is what most tutorials say, and it is wrong on most machines.
    # Pin the versions and pick the right --index-url for the platform.
    return "pip install torch torchvision"
