"""Spoken replies: speech-text normalization, synthesis engines and the audio cache."""
