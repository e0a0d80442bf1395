"""bench/gpu_*.py: what the GPU run reads of each text, and the dev-chosen blend."""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench"))

from gpu_device import window  # noqa: E402
from gpu_prepare import HEAD_CHARS  # noqa: E402
from gpu_prepare import TAIL_CHARS  # noqa: E402
from gpu_prepare import clip  # noqa: E402
from gpu_score import blend_on_dev  # noqa: E402

from genreclf.data import LabelVocabulary  # noqa: E402

SPECIAL = (101, 102)


def test_window_keeps_a_short_text_whole():
    assert window([5, 6, 7], 8, SPECIAL) == [101, 5, 6, 7, 102]


def test_window_keeps_the_head_of_a_long_text():
    assert window(list(range(10)), 6, SPECIAL) == [101, 0, 1, 2, 3, 102]


def test_window_keeps_head_and_tail_of_a_long_text():
    pieces = list(range(1000))
    packed = window(pieces, 512, SPECIAL, head=128)
    assert len(packed) == 512
    assert packed[1:129] == pieces[:128]
    assert packed[129:-1] == pieces[-382:]


def test_clip_keeps_what_the_device_reads():
    assert clip("a short synopsis") == "a short synopsis"
    text = "h" * HEAD_CHARS + "m" * 5000 + "t" * TAIL_CHARS
    clipped = clip(text)
    assert clipped.startswith("h" * HEAD_CHARS) and clipped.endswith("t" * TAIL_CHARS)
    assert "m" not in clipped


def test_blend_on_dev_picks_the_scores_that_are_right():
    vocabulary = LabelVocabulary.from_rows([["a"], ["b"], ["c"]], multi_label=False)
    targets = np.eye(3, dtype="float32")[np.arange(60) % 3]
    right = 0.8 * targets + 0.1
    wrong = np.roll(right, 1, axis=1)
    weight, thresholds = blend_on_dev(wrong, right, targets, vocabulary)
    assert weight > 0.5 and thresholds is None
    weight, _ = blend_on_dev(right, wrong, targets, vocabulary)
    assert weight < 0.5
