"""Commands added by a later step."""

COMMANDS: list = []
