"""Flip averaging's two views: the faces, then their mirror images, and the answers averaged back."""

import numpy as np

from moodtune_vision.views import average_mirrors, with_mirrors


def test_mirrors_follow_the_faces_and_average_back_in_order() -> None:
    faces = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    views = with_mirrors(faces)
    assert views.shape == (4, 3, 4)
    np.testing.assert_array_equal(views[:2], faces)
    np.testing.assert_array_equal(views[2:], faces[:, :, ::-1])
    probabilities = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    np.testing.assert_allclose(average_mirrors(probabilities), [[0.5, 0.5], [0.0, 1.0]])
