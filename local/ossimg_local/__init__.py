"""The local cloud for ossimg: OSS emulator, FC runner, CLI. Never deployed."""
