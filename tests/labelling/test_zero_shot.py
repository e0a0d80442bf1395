"""The zero-shot stage on a tiny randomly initialised BERT (the real MiniLM runs in the
large test and the benchmark)."""

import numpy as np
import pytest

from genreclf.labelling.genre_spec import Genre
from genreclf.labelling.text_embedder import TextEmbedder
from genreclf.labelling.zero_shot import ZeroShotStage

GENRES = [
    Genre("horror", "a ghost in a haunted house at night", ["ghost", "haunted"]),
    Genre("western", "a sheriff rides out to face an outlaw gang"),
]


def test_scores_are_a_softmax_of_cosine_similarities(tiny_preset, tmp_path):
    embedder = TextEmbedder(tiny_preset, max_length=16, max_chunks=2, cache_dir=tmp_path)
    stage = ZeroShotStage(GENRES, threshold=0.6, temperature=0.5, embedder=embedder)
    texts = ["a ghost in a haunted house at night", "a sheriff rides out to face an outlaw gang"]
    vectors = embedder(texts)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarities = stage.similarities(texts)
    np.testing.assert_allclose(similarities, vectors @ stage.prototypes().T, atol=1e-6)
    scores = stage.scores(texts)
    expected = np.exp(similarities / 0.5)
    np.testing.assert_allclose(scores, expected / expected.sum(1, keepdims=True), atol=1e-5)
    # The western text is its genre's description: most similar to its own prototype.
    assert stage.decide(texts[1:])[0].labels == ["western"]


def test_embeddings_are_cached_per_text(tiny_preset, tmp_path):
    embedder = TextEmbedder(tiny_preset, max_length=16, max_chunks=2, cache_dir=tmp_path)
    first = embedder(["a ghost story", "a ghost story", "robots dream"])
    assert len(embedder._cache) == 2
    again = TextEmbedder(tiny_preset, max_length=16, max_chunks=2, cache_dir=tmp_path)
    np.testing.assert_array_equal(again(["robots dream"])[0], first[2])
    assert len(again._cache) == 2


@pytest.mark.large
def test_minilm_tells_horror_from_romance(tmp_path):
    stage = ZeroShotStage(
        [
            Genre("horror", "A frightening film of ghosts and monsters."),
            Genre("romance", "A love story between two people."),
        ],
        embedder=TextEmbedder(cache_dir=tmp_path),
    )
    decisions = stage.decide(
        [
            "A family hears whispers from the walls of their new house, and something is "
            "watching the children at night.",
            "Two strangers meet on a train and fall in love.",
        ]
    )
    assert [d.labels for d in decisions] == [["horror"], ["romance"]]


@pytest.mark.parametrize(
    "genres,fix",
    [
        (
            {"action": {"keywords": []}},
            "Add genres to {path}, or give 'action' keywords there and run only the keyword "
            "stage: stages=('keywords',) (`--stages keywords`).",
        ),
        (
            {"action": {"keywords": ["gun"]}},
            "Add genres to {path}, or run only the keyword stage: stages=('keywords',) "
            "(`--stages keywords`).",
        ),
    ],
    ids=["no-keywords", "keywords"],
)
def test_one_genre_is_refused_where_the_zero_shot_stage_would_run(tmp_path, genres, fix):
    # A softmax over one genre is 1.0: every row was claimed as `action` at confidence 1.0.
    import yaml

    from genreclf.errors import ConfigError
    from genreclf.labelling.api import build_cascade
    from genreclf.labelling.api import label

    path = tmp_path / "genres.yaml"
    path.write_text(yaml.safe_dump({"genres": genres}))
    out = tmp_path / "labelled.jsonl"
    with pytest.raises(ConfigError) as caught:
        label(["A man with a gun.", "Two chefs."], genres=path, out=out)
    assert str(caught.value) == (
        "The zero-shot stage needs at least two genres: its scores are a softmax over the "
        "genres, so with one it would label every row with it at confidence 1.0. Received: "
        f"genres=['action'] in {path}. " + fix.format(path=path)
    )
    assert not out.exists()  # refused before any row was labelled
    with pytest.raises(ConfigError, match=r"^The zero-shot stage needs at least two genres"):
        ZeroShotStage([Genre("action")])
    if genres["action"]["keywords"]:  # without the zero-shot stage, one genre still labels
        result = label(
            ["A man with a gun.", "Two chefs."],
            genres=path,
            out=out,
            stages=("keywords",),
            thresholds={"keywords": 0.5},
        )
        assert result.by_stage == {"keywords": 1, "unlabelled": 1}
    others = ("keywords", "llm") if genres["action"]["keywords"] else ("llm",)
    with pytest.raises(ConfigError) as caught:  # with an LLM: leave zero-shot out
        build_cascade(path, llm="gpt-4o-mini")
    assert str(caught.value).endswith(
        f"Add genres to {path}, or leave the zero-shot stage out: stages={others!r} "
        f"(`--stages {','.join(others)}`)."
    )
