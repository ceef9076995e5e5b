"""Which tracks are not music to listen to for a mood: decided once, at build, from the catalog's
genres and audio features (never from titles), and stored with each track.

A mood catalog built from Spotify's data holds white noise, rain and fan loops, sleep audio and
spoken-word tracks. Their audio features place them somewhere in valence x energy (white noise
reads as valence 0, energy 0: the saddest, calmest "song" there is), so without this they top the
lists for the moods they happen to sit near.
"""

import numpy as np
import pandas as pd

from moodtune_contracts.catalog_schema import NonMusic, NonMusicReport

# Genres that name what a track is for, not what it sounds like.
SLEEP_GENRES = frozenset({"sleep"})
# Spotify's own reading of `speechiness`: above 0.66, a track is probably made entirely of spoken words.
SPOKEN_SPEECHINESS = 0.66

# In the order they are tried; a track is marked with the first that holds.
RULES: dict[NonMusic, str] = {
    NonMusic.NOISE: "tempo and danceability are both 0: no beat was found (white noise, rain, fans, or "
    "audio that could not be analysed, whose mood cannot be placed either)",
    NonMusic.SLEEP: f"in the genre {', '.join(sorted(SLEEP_GENRES))}: sounds and music to fall asleep to",
    NonMusic.SPOKEN: f"speechiness above {SPOKEN_SPEECHINESS}: probably made entirely of spoken words "
    "(comedy, stories, skits)",
}


def non_music(tracks: pd.DataFrame) -> pd.Series:
    """Each track's NonMusic reason (its value), or None for music."""
    no_beat = (tracks["tempo"] == 0) & (tracks["danceability"] == 0)
    sleep = tracks["genres"].map(lambda genres: any(g in SLEEP_GENRES for g in genres))
    spoken = tracks["speechiness"] > SPOKEN_SPEECHINESS
    reasons = np.select(
        [no_beat.to_numpy(), sleep.to_numpy(dtype=bool), spoken.to_numpy()],
        [NonMusic.NOISE.value, NonMusic.SLEEP.value, NonMusic.SPOKEN.value],
        default="",
    )
    return pd.Series(reasons, index=tracks.index, dtype=object).replace("", None)


def report(reasons: pd.Series) -> NonMusicReport:
    counts = reasons.value_counts()
    by_reason = {reason: int(counts.get(reason.value, 0)) for reason in RULES}
    return NonMusicReport(tracks=sum(by_reason.values()), by_reason=by_reason, rules=RULES)
