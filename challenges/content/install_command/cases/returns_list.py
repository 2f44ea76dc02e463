"""Returns the words of the command (as for subprocess.run) instead of one string."""


def pip_command(platform):
    index = "https://download.pytorch.org/whl/cpu"
    return ["pip", "install", "torch==2.14.1", "torchvision==0.29.1", "--index-url", index]
