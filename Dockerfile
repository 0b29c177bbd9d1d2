# The runtime image: the same install step as the README, run as an unprivileged user.
# Set DATABASE_URL to a PostgreSQL server; without it ledgerd starts its embedded PostgreSQL in
# /home/ledgerd/.ledgerd (keep that on a volume).
FROM python:3.11-slim

RUN useradd --create-home --uid 10001 ledgerd
WORKDIR /app
COPY pyproject.toml README.md ./
COPY protos ./protos
COPY server ./server
COPY clients ./clients
COPY benchmarks ./benchmarks
# With the adapters' extra, so the same image also runs `ledgerd adapters serve`.
RUN pip install --no-cache-dir '.[adapters]'

USER ledgerd
WORKDIR /home/ledgerd
EXPOSE 50051
STOPSIGNAL SIGTERM
ENTRYPOINT ["ledgerd"]
CMD ["serve", "--address", "0.0.0.0:50051"]
