"""Moodtune's recommender-service: Spotify tracks for an emotion, ranked by popularity."""
