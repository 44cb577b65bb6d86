"""Turns a reply into the text an engine should read aloud (stub; filled in by the voice work)."""


def to_speech_text(text: str, buttons: list[str] | None = None) -> str:
    return text
