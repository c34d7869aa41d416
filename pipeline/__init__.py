"""Pipeline assembly, configuration, runners and the command line."""
