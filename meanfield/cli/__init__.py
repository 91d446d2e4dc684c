"""The ``meanfield`` command line: one subcommand per question."""
