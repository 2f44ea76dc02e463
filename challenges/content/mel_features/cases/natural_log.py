"""Case: log(mel + 1e-6), the common 'log-mel' shortcut: a natural log with its own floor, not dB."""

import torch
import torchaudio

MEL = torchaudio.transforms.MelSpectrogram(sample_rate=8000, n_fft=256, hop_length=128, n_mels=32)


def featurize(waveform):
    return torch.log(MEL(waveform)[0] + 1e-6)
