"""The one error the dataset preparation raises on purpose."""


class LayoutError(ValueError):
    """A dataset source is not laid out, or not readable, as a preparation
    step needs. Its message is one line that names the problem and the fix;
    the command-line tools print it without a traceback."""
