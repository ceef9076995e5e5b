"""Moodtune's emotion-service: every face in an uploaded image, and the emotion of each."""
