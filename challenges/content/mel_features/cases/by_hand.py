"""Case: the same features from the functional API: a power STFT, torchaudio's HTK filter bank,
then 10*log10 with the 1e-10 floor. Written out by hand, and correct."""

import torch
import torchaudio.functional as F


def featurize(waveform):
    spec = torch.stft(waveform, n_fft=256, hop_length=128, window=torch.hann_window(256), center=True,
                      pad_mode="reflect", return_complex=True).abs().pow(2)
    banks = F.melscale_fbanks(n_freqs=129, f_min=0.0, f_max=4000.0, n_mels=32, sample_rate=8000)
    mel = torch.matmul(spec.transpose(-1, -2), banks).transpose(-1, -2)
    return 10.0 * torch.log10(torch.clamp(mel, min=1e-10))[0]
