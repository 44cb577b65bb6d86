"""A small ctypes binding to the espeak-ng library shipped by the `espeakng-loader` wheel.

Why not Debian's espeak-ng: its 1.51 `cmn` voice misreads many characters; the wheel carries 1.52 with a
correct Mandarin dictionary, and needs no system package. The library keeps global state and is not
thread-safe, so every call goes through one process-wide lock.
"""
from __future__ import annotations

import ctypes
import threading

import numpy as np

# espeak_AUDIO_OUTPUT / espeak_PARAMETER / flag values from speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_PARAM_RATE = 1
_PARAM_PITCH = 3
_PARAM_RANGE = 4
_PARAM_WORDGAP = 7
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
# espeak-ng's documented words-per-minute range; outside it the library clamps silently.
MIN_WPM, MAX_WPM = 80, 450

_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class EspeakUnavailable(RuntimeError):
    """The espeak-ng library or its data could not be loaded."""


class _Espeak:
    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as exc:  # the wheel is a declared dependency; this is a broken install
            raise EspeakUnavailable("espeakng-loader is not installed") from exc
        try:
            lib = ctypes.CDLL(espeakng_loader.get_library_path())
            data = espeakng_loader.get_data_path()
        except (OSError, RuntimeError) as exc:
            raise EspeakUnavailable(str(exc)) from exc
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
            ctypes.c_void_p, ctypes.c_void_p,
        ]
        lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data.encode(), 0)
        if rate <= 0:
            raise EspeakUnavailable("espeak_Initialize failed")
        self.sample_rate: int = rate
        self._lib = lib
        self._chunks: list[np.ndarray] = []
        # Keep a reference: ctypes frees the thunk if the Python object goes away.
        self._callback = _Callback(self._collect)
        lib.espeak_SetSynthCallback(self._callback)
        self._voice: str | None = None

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], n: int, _events: int) -> int:
        if n > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        return 0  # 0 = go on synthesising

    def _use_voice(self, voice: str) -> None:
        if voice != self._voice:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                self._voice = None  # what the library holds now is unknown: set it again next time
                raise EspeakUnavailable(f"espeak-ng has no voice {voice!r}")
            self._voice = voice

    def synth(self, text: str, voice: str, wpm: int, pitch: int, pitch_range: int, word_gap: int) -> np.ndarray:
        """Returns mono int16 samples at `sample_rate` for `text` (UTF-8, plain text, no SSML)."""
        self._use_voice(voice)
        self._lib.espeak_SetParameter(_PARAM_RATE, max(MIN_WPM, min(MAX_WPM, wpm)), 0)
        self._lib.espeak_SetParameter(_PARAM_PITCH, max(0, min(100, pitch)), 0)
        self._lib.espeak_SetParameter(_PARAM_RANGE, max(0, min(100, pitch_range)), 0)
        # Word gap in units of 10 ms (at normal speed); 0 is espeak's own spacing.
        self._lib.espeak_SetParameter(_PARAM_WORDGAP, max(0, word_gap), 0)
        data = text.encode("utf-8") + b"\0"
        self._chunks = []
        buf = ctypes.create_string_buffer(data)
        err = self._lib.espeak_Synth(buf, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if err != 0:
            raise EspeakUnavailable(f"espeak_Synth failed ({err})")
        self._lib.espeak_Synchronize()
        chunks, self._chunks = self._chunks, []
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)

    def phonemes(self, text: str, voice: str) -> str:
        """espeak's own phoneme mnemonics with tone numbers (e.g. 银行 -> "ji35nX'A35N"): shows how it reads."""
        self._use_voice(voice)
        # A word gap left by the last synthesis would show up as pauses in the phonemes.
        self._lib.espeak_SetParameter(_PARAM_WORDGAP, 0, 0)
        buf = ctypes.create_string_buffer(text.encode("utf-8"))
        pointer = ctypes.c_char_p(ctypes.addressof(buf))
        out = []
        while pointer.value:  # the library advances the pointer clause by clause
            clause = self._lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, 0)
            out.append(clause.decode("utf-8", "replace") if clause else "")
        return " ".join(out)


_lock = threading.Lock()
_instance: _Espeak | None = None


def _get() -> _Espeak:
    global _instance
    if _instance is None:
        _instance = _Espeak()
    return _instance


def phonemes(text: str, voice: str = "cmn") -> str:
    with _lock:
        return _get().phonemes(text, voice)


def synth(text: str, voice: str = "cmn", wpm: int = 150, pitch: int = 45, pitch_range: int = 50,
          word_gap: int = 0) -> tuple[np.ndarray, int]:
    """Thread-safe synthesis: (int16 samples, sample rate). pitch and pitch_range are espeak's 0-100 scales
    (50 = the voice's own); every call sets all of them, so one reply's settings never leak into the next."""
    with _lock:
        engine = _get()
        return engine.synth(text, voice, wpm, pitch, pitch_range, word_gap), engine.sample_rate
