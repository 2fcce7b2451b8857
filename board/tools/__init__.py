"""Developer tools of the display board (not used at run time)."""
