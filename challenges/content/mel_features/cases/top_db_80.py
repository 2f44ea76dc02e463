"""Case: AmplitudeToDB(stype="power", top_db=80), as many audio tutorials write it: everything
more than 80 dB below the loudest bin is clipped, which the contract's default (top_db=None)
does not do."""

import torch
import torchaudio


class LogMel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.mel = torchaudio.transforms.MelSpectrogram(sample_rate=8000, n_fft=256, hop_length=128, n_mels=32)
        self.db = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=80)

    def forward(self, waveform):
        return self.db(self.mel(waveform)).squeeze(0)


FEATURES = LogMel()


def featurize(waveform):
    return FEATURES(waveform)
