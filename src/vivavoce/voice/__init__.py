"""Voice interviews: speech-to-text and text-to-speech providers, end-of-turn detection, the
voice side of the live room, and recordings storage (docs/voice.md)."""
