"""Moodtune's offline jobs, each run as `python -m training.<job>`."""
