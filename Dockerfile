# CPU image: the light (CPU-only) torch wheels, a non-root runtime for the bot.
# The grading worker needs root inside its container to build per-job namespaces and cgroups
# (run it with --privileged or --cap-add SYS_ADMIN and a writable cgroup mount; better still
# inside gVisor), while the bot itself needs nothing of that: `tutor bot` as user tutor.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends libseccomp2 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
RUN python -m venv /venv && /venv/bin/pip install \
      --index-url https://download.pytorch.org/whl/cpu \
      "torch==2.9.1" "torchvision==0.24.1" "torchaudio==2.9.1"
COPY bot ./bot
COPY challenges ./challenges
COPY sandbox ./sandbox
COPY storage ./storage
RUN /venv/bin/pip install .

FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends libseccomp2 && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 tutor
COPY --from=build /venv /venv
ENV PATH=/venv/bin:$PATH TUTOR_DATABASE_URL=sqlite+aiosqlite:////data/tutor.db
VOLUME /data
USER tutor
CMD ["tutor", "bot"]
