"""Moodtune's gateway: the front door (POST /recommend, playlists) and the web page."""
