"""The one exception the command line turns into a single line on stderr."""


class UserError(Exception):
    """Bad input or an unusable environment: the message is shown as is, with no traceback."""
