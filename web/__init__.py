"""The Flask player and JSON API over an archive. It reads; it does not transcribe."""
