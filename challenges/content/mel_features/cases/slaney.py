"""Case: librosa's conventions (norm='slaney', mel_scale='slaney'): a different filter bank."""

import torchaudio

MEL = torchaudio.transforms.MelSpectrogram(sample_rate=8000, n_fft=256, hop_length=128, n_mels=32,
                                           norm="slaney", mel_scale="slaney")
TO_DB = torchaudio.transforms.AmplitudeToDB()


def featurize(waveform):
    return TO_DB(MEL(waveform))[0]
