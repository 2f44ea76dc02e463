"""Q8 quiz-cloud loads through the catalogue schema with the design's shape (10 questions, pass 8)
and covers every topic design Q8 requires, each in the question a learner answers."""

from __future__ import annotations

from challenges.catalogue import load_catalogue

REQUIRED = {  # design Q8: topic -> text the question or its right answer must name
    "the channel env var of the training data": "SM_CHANNEL_TRAINING",
    "where model.tar.gz comes from": "SM_MODEL_DIR",
    "script mode vs BYOC": "bring your own container",
    "Azure uri_file vs uri_folder": "uri_file",
    "distribution pytorch vs mpi": "type: mpi",
    "curated vs custom environments": "curated",
    "spot / low-priority trade-offs": "low-priority",
    "map_location in model_fn": "map_location",
    "the default handlers": "input_fn",
}


def test_quiz_cloud_shape() -> None:
    quiz = load_catalogue().get("quiz-cloud")
    assert quiz is not None
    spec = quiz.spec
    assert (spec.kind, spec.competency, spec.points, spec.pass_mark) == ("quiz", 8, 50, 8)
    assert len(spec.questions) == 10
    assert len({q.answer for q in spec.questions}) == 4, "vary the position of the right answer"
    assert all(len(q.explanation) > 120 for q in spec.questions)
    assert len({q.prompt for q in spec.questions}) == 10
    assert quiz.statement.startswith("# ")
    assert all(r.url.startswith("https://") for r in spec.resources) and len(spec.resources) >= 6


def test_quiz_cloud_asks_every_required_topic() -> None:
    quiz = load_catalogue().get("quiz-cloud")
    assert quiz is not None
    asked = [q.prompt + " " + q.choices[q.answer] for q in quiz.spec.questions]
    for topic, text in REQUIRED.items():
        assert any(text in a for a in asked), topic


def test_quiz_cloud_right_answers_are_not_the_longest_by_habit() -> None:
    """A guesser picking the longest choice must not pass: it would get at most 4 of 10."""
    quiz = load_catalogue().get("quiz-cloud")
    assert quiz is not None
    longest = sum(max(range(len(q.choices)), key=lambda i: len(q.choices[i])) == q.answer for q in quiz.spec.questions)
    assert longest <= 4
