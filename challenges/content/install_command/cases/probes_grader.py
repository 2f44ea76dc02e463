"""Asks the machine it runs on instead of reading `platform`: fails at import, before any call."""

import pynvml  # not installed where the grader runs the code (and the wrong machine anyway)

pynvml.nvmlInit()
DRIVER_CUDA = pynvml.nvmlSystemGetCudaDriverVersion()


def pip_command(platform):
    return "pip install torch==2.14.1 torchvision==0.29.1 --index-url https://download.pytorch.org/whl/cu128"
