"""Q2 quiz-docker loads through the catalogue schema with the design's shape (8 questions, pass 7)."""

from __future__ import annotations

from challenges.catalogue import load_catalogue


def test_quiz_docker_shape() -> None:
    quiz = load_catalogue().get("quiz-docker")
    assert quiz is not None
    spec = quiz.spec
    assert (spec.kind, spec.competency, spec.points, spec.pass_mark) == ("quiz", 2, 50, 7)
    assert len(spec.questions) == 8
    assert len({q.answer for q in spec.questions}) >= 3, "vary the position of the right answer"
    assert all(len(q.explanation) > 80 for q in spec.questions)
    text = " ".join(q.prompt + " ".join(q.choices) for q in spec.questions)
    for topic in ("whl/cpu", "alpine", "--shm-size", "--ipc=host", "--gpus all", "set_num_threads", "COPY requirements.txt",
                  "inference_mode"):
        assert topic in text, topic
    assert quiz.statement.startswith("# ")
