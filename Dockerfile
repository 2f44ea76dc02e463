# syntax=docker/dockerfile:1
# The light CPU image: torch, torchvision and torchaudio from the PyTorch CPU wheel index (no CUDA
# libraries: about a fifth of the CUDA build's size) at the pins in constraints.txt. One image
# serves `tutor bot` (the default command, as the unprivileged user tutor) and `tutor worker`
# (which needs root and the privileges compose.yaml gives its service: see "Images" in README.md).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

FROM ${PYTHON_IMAGE} AS build
ARG TORCH_INDEX
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY constraints.txt ./
# The torch stack first, from its own index, so that changing our code reuses this layer.
RUN python -m venv /venv \
    && /venv/bin/pip install --index-url "${TORCH_INDEX}" -r constraints.txt
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY challenges ./challenges
COPY sandbox ./sandbox
COPY storage ./storage
# Everything else from PyPI; -c keeps pip from replacing the torch stack installed above.
RUN /venv/bin/pip install -c constraints.txt . \
    && /venv/bin/python -c "import torch, torchvision, torchaudio, bot.cli"

FROM ${PYTHON_IMAGE}
# libseccomp2: the sandbox's seccomp filter (pyseccomp loads it at run time).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libseccomp2 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 tutor \
    && useradd --uid 10001 --gid 10001 --create-home tutor \
    && mkdir /data && chown 10001:10001 /data
COPY --from=build /venv /venv
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    TUTOR_DATABASE_URL=sqlite+aiosqlite:////data/tutor.db \
    TUTOR_VERDICT_PICTURES_DIR=/data/verdicts
WORKDIR /data
VOLUME ["/data"]
USER 10001:10001
ENTRYPOINT ["tutor"]
CMD ["bot"]
