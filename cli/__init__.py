"""The ``brain`` command line: a thin layer over ``memorybrain``."""
