"""The lecture's 8 × 8 edge example ("Ex) Convolution filter detecting edges"),
shared by the conv, kernel, receptive-field and inspector tests.

The input has one source, :data:`core.kernels.LECTURE_EDGE_INPUT` (the app loads
it from there). The tables the engine must produce from it are the acceptance
data: they are written out here, as the lecture prints them, and nowhere else.
"""
import numpy as np

from core.kernels import LECTURE_EDGE_INPUT

#: "Convolution layer 1": the input the edge filter is applied to (read-only)
INPUT = LECTURE_EDGE_INPUT

#: "Convolution layer 2": INPUT correlated with the horizontal-edge filter,
#: kernel anchored at its top-left cell, zeros beyond the bottom/right edges
HORIZONTAL_EDGE_OUTPUT = np.array([
    [-4, -9, -12, -11, -6, -2, 0, 0],
    [2, 6, 10, 10, 6, 2, 0, 0],
    [-4, -8, -10, -8, -4, -1, 0, 0],
    [3, 5, 5, 3, 1, 0, 0, 0],
    [3, 5, 5, 3, 1, 0, 0, 0],
    [-6, -11, -12, -9, -4, -1, 0, 0],
    [3, 6, 7, 6, 3, 1, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 0]], dtype=float)

#: max pooling 2 × 2, stride 2 of HORIZONTAL_EDGE_OUTPUT (the lecture's "Max pooling example")
MAX_POOLED = np.array([
    [6, 10, 6, 0],
    [5, 5, 1, 0],
    [5, 5, 1, 0],
    [6, 7, 3, 0]], dtype=float)
