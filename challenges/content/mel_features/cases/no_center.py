"""Case: center=False, which frames the signal without padding: 61 frames instead of 63."""

import torchaudio

MEL = torchaudio.transforms.MelSpectrogram(sample_rate=8000, n_fft=256, hop_length=128, n_mels=32, center=False)
TO_DB = torchaudio.transforms.AmplitudeToDB()


def featurize(waveform):
    return TO_DB(MEL(waveform))[0]
