"""Trips rows, the same way for every reader: CSV records and typed cells,
Arrow parsing, tf.Example building and writing, spans and the quarter-folder
layout. Light unless a module says otherwise; components and pipeline tools
import it."""
