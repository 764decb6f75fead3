"""The restoration stage: bare surface percentage per mine and year, Mann–Kendall trends and status,
restoration rates, pixel-wise trend maps."""
