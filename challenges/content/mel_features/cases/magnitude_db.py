"""Case: AmplitudeToDB(stype="magnitude") on a power spectrogram: 20*log10 of power, twice the dB."""

import torchaudio

MEL = torchaudio.transforms.MelSpectrogram(sample_rate=8000, n_fft=256, hop_length=128, n_mels=32)
TO_DB = torchaudio.transforms.AmplitudeToDB(stype="magnitude")


def featurize(waveform):
    return TO_DB(MEL(waveform))[0]
