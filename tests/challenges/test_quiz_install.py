"""Q1 quiz-install: every version pair or wheel tag it states is one the dated version-data file
holds, so refreshing ``challenges/versions.toml`` cannot leave the quiz teaching a stale fact."""

from __future__ import annotations

import re

from challenges.catalogue import load_catalogue
from challenges.versions import load_versions


def test_the_quiz_states_only_pairs_and_tags_the_version_data_holds() -> None:
    quiz = load_catalogue().get("quiz-install")
    assert quiz is not None
    data = load_versions()
    by_torch = {r.torch: r for r in data.releases}
    text = " ".join(q.prompt + " " + " ".join(q.choices) + " " + q.explanation for q in quiz.spec.questions)
    pairs = re.findall(r"torch (\d+\.\d+) <-> torchvision (\d+\.\d+)", text)
    asked = re.findall(r"Which torchvision release pairs with torch (\d+\.\d+)\?", text)
    assert pairs and asked, "the quiz asks about torch/torchvision pairing"
    for torch_minor, vision in pairs:
        assert by_torch[torch_minor].torchvision == vision, (torch_minor, vision)
    for q in quiz.spec.questions:
        found = re.search(r"Which torchvision release pairs with torch (\d+\.\d+)\?", q.prompt)
        if found:
            assert q.choices[q.answer] == by_torch[found.group(1)].torchvision
    wheels = re.findall(r"torch-(\d+\.\d+)\.\d+\+(cu\d+)", text)
    assert wheels, "the quiz explains a wheel's CUDA tag"
    for version, tag in wheels:
        assert tag in by_torch[version].cuda, (version, tag)
