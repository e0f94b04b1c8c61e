"""The tick engine, run results and Monte-Carlo studies."""
