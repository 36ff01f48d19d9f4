"""Developer tools (translations, icon); not used by the running program."""
