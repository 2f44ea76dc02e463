"""Reference for mel-features: torchaudio's MelSpectrogram and AmplitudeToDB, defaults except the
four the contract names, and the channel dimension dropped."""

import torchaudio

MEL = torchaudio.transforms.MelSpectrogram(sample_rate=8000, n_fft=256, hop_length=128, n_mels=32)
TO_DB = torchaudio.transforms.AmplitudeToDB()


def featurize(waveform):
    return TO_DB(MEL(waveform))[0]
