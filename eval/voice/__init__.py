"""The speech-recognition evaluation (`make eval-voice`, docs/voice.md "Measured accuracy")."""
