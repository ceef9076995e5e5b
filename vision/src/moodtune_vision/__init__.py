"""Moodtune's vision: image decoding (`decode`), face detectors (`detectors`), the FER2013 crop (`crop`)."""
