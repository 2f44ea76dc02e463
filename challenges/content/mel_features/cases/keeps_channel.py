"""Case: the transforms are right, but the (1, 32, 63) channel dimension is returned as is."""

import torchaudio

MEL = torchaudio.transforms.MelSpectrogram(sample_rate=8000, n_fft=256, hop_length=128, n_mels=32)
TO_DB = torchaudio.transforms.AmplitudeToDB()


def featurize(waveform):
    return TO_DB(MEL(waveform))
