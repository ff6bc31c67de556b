"""The transform's error, in a module of its own so the command line can catch it without
importing polars (standard library only)."""


class TransformError(Exception):
    """The transform cannot run or its result breaks a rule; the message says which."""
