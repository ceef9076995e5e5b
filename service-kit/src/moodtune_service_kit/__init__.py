"""What every Moodtune FastAPI service shares at its edge: one app factory (`app`), settings and
serving (`serving`), request ids, the error mapping, the body limit, health and metrics routes."""
