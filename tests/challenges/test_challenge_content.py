"""Every folder under ``challenges/content/`` loads through the real schema, with what its kind
needs: one test over all of them, no id lists (a new folder is held to it automatically)."""

from __future__ import annotations

from pathlib import Path

import pytest

from challenges.catalogue import COMPETENCIES, CONTENT_DIR, load_catalogue, load_challenge

FOLDERS = sorted(p for p in CONTENT_DIR.iterdir() if p.is_dir() and not p.name.startswith("__"))


def test_every_folder_is_a_challenge() -> None:
    catalogue = load_catalogue()
    assert len(catalogue) == len(FOLDERS)
    assert {c.folder for c in catalogue} == set(FOLDERS)


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_folder_loads_with_what_its_kind_needs(folder: Path) -> None:
    challenge = load_challenge(folder)
    spec = challenge.spec
    assert spec.competency in COMPETENCIES
    assert folder.name == spec.id.replace("-", "_"), "the folder is named after the id"
    assert challenge.statement.startswith("# ")
    assert all(r.url.startswith("https://") for r in spec.resources) and spec.resources
    if spec.kind == "quiz":
        assert len(spec.questions) >= 5 and all(q.explanation for q in spec.questions)
        return
    assert len(spec.hints) >= 3, "hints escalate: concept, API, near-solution"
    assert challenge.reference_files and challenge.starter_files
    assert challenge.pass_lines()
    cases = challenge.cases()
    for case in cases:
        assert challenge.case_files(case), case.name  # a file that exists, or a patch that applies
    common = challenge.kind.common_cases(challenge)
    assert {c.case.name for c in common}.isdisjoint({c.name for c in cases})
    statuses = {c.expected for c in cases} | {c.case.expected for c in common}
    assert "failed" in statuses


def test_a_broken_folder_says_what_is_wrong(tmp_path: Path) -> None:
    from challenges.errors import CatalogueError

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "challenge.toml").write_text('id = "bad"\ntitle = "x"\ncompetency = 5\ndifficulty = "beginner"\n'
                                        'points = 1\nkind = "trained"\nsummary = "x"\ncontract = ["x"]\n'
                                        '[data]\ngenerator = "nope"\n')
    with pytest.raises(CatalogueError, match="trained kind"):
        load_challenge(bad)


def test_the_catalogue_covers_all_nine_competencies() -> None:
    """The design's catalogue: 33 graded challenges (C5.1b and C6.4 included) and 3 quizzes, at
    least two graded challenges for every competency."""
    catalogue = load_catalogue()
    graded = [c for c in catalogue if c.spec.kind != "quiz"]
    quizzes = [c for c in catalogue if c.spec.kind == "quiz"]
    assert len(graded) >= 32 and len(quizzes) == 3
    per_competency = {n: sum(c.spec.competency == n for c in graded) for n in COMPETENCIES}
    assert sorted(per_competency) == list(range(1, 10))
    assert all(count >= 2 for count in per_competency.values()), per_competency


def test_a_case_is_a_file_or_a_patched_base() -> None:
    from pydantic import ValidationError

    from challenges.catalogue import Case

    with pytest.raises(ValidationError, match="either file or base"):
        Case(name="both", file="x.py", base="reference", expected="failed")
    with pytest.raises(ValidationError, match="either file or base"):
        Case(name="neither", expected="failed")
    with pytest.raises(ValidationError, match="patch goes with base"):
        Case(name="odd", file="x.py", patch=[{"old": "a", "new": "b"}], expected="failed")  # type: ignore[list-item]
    assert Case(name="the-starter-as-it-is", base="starter", expected="failed").patch == []


def test_a_patch_applies_once_or_says_where_it_went_wrong() -> None:
    from challenges.catalogue import Case, load_catalogue
    from challenges.errors import CatalogueError

    challenge = load_catalogue().get("bottleneck-dae")
    assert challenge is not None
    reference = challenge.reference_files["reference.py"]
    edit = {"old": "def corrupt(", "new": "def corrupted("}
    patched = challenge.case_files(Case(name="renamed", base="reference", patch=[edit], expected="error"))  # type: ignore[list-item]
    assert patched == {"reference.py": reference.replace("def corrupt(", "def corrupted(")}
    missing = Case(name="drifted", base="reference", patch=[{"old": "no such line", "new": ""}], expected="failed")  # type: ignore[list-item]
    with pytest.raises(CatalogueError, match="stands 0 times"):
        challenge.case_files(missing)
    twice = Case(name="vague", base="reference", patch=[{"old": "torch", "new": "np"}], expected="failed")  # type: ignore[list-item]
    with pytest.raises(CatalogueError, match="not once"):
        challenge.case_files(twice)
