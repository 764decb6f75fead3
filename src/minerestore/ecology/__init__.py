"""The ecology stage: RSEI and REM per year and their statistics per mine, ring and size class."""
