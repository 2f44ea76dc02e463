"""Waits for a driver version that never comes."""


def pip_command(platform):
    while True:
        pass
