"""What alerts puts in the registry (called from ``AppConfig.ready``)."""


def register() -> None:
    pass
