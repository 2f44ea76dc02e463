"""mel-features: turn a (1, 8000) waveform at 8 kHz into a (32, 63) log-mel spectrogram in dB.

Use sample_rate=8000, n_fft=256, hop_length=128, n_mels=32 and torchaudio's defaults for
everything else, then convert power to decibels.
"""

import torch


def featurize(waveform):
    # A first attempt: a linear-frequency power spectrogram, not mel, not in dB.
    spec = torch.stft(waveform[0], n_fft=256, hop_length=128, window=torch.hann_window(256), return_complex=True)
    return spec.abs() ** 2
