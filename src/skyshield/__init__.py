"""skyshield: coalition air defence over western Ukraine: plan, simulate, study, coordinate."""

__version__ = "0.1.0"
