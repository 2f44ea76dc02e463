"""Learning resources served under /resources: the general seed links plus each challenge's own."""

from __future__ import annotations

from challenges.catalogue import Catalogue, Resource

GENERAL: tuple[Resource, ...] = (
    Resource(title="PyTorch documentation", url="https://pytorch.org/docs/stable/index.html"),
    Resource(title="Deep Learning with PyTorch: a 60 Minute Blitz",
             url="https://pytorch.org/tutorials/beginner/deep_learning_60min_blitz.html"),
    Resource(title="PyTorch on GitHub", url="https://github.com/pytorch"),
    Resource(title="Torch (machine learning), Wikipedia", url="https://en.wikipedia.org/wiki/Torch_(machine_learning)"),
    Resource(title="PyTorch, Wikipedia", url="https://en.wikipedia.org/wiki/PyTorch"),
    Resource(title="Udacity: Intro to Deep Learning with PyTorch (ud188)",
             url="https://www.udacity.com/course/deep-learning-pytorch--ud188"),
    Resource(title="Udemy: Practical Deep Learning with PyTorch",
             url="https://www.udemy.com/course/practical-deep-learning-with-pytorch/"),
    Resource(title="Pluralsight: Building Deep Learning Models Using PyTorch",
             url="https://www.pluralsight.com/courses/pytorch-building-deep-learning-models"),
    Resource(title="edX: Learn PyTorch", url="https://www.edx.org/learn/pytorch"),
)


def resources_for(catalogue: Catalogue, competency: int | None) -> dict[str, list[Resource]]:
    """Group title -> links: 'General' first, then one group per challenge in the competency."""
    groups: dict[str, list[Resource]] = {"General": list(GENERAL)}
    for challenge in catalogue.by_competency(competency):
        if challenge.spec.resources:
            groups[f"{challenge.spec.title} ({challenge.id})"] = list(challenge.spec.resources)
    return groups
