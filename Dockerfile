# Builds kycd and kycctl; the runtime image holds only the two binaries.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p kycd -p kycctl

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/kycd /src/target/release/kycctl /usr/local/bin/
# The master key's volume is first populated from this directory, so nobody can write it.
RUN mkdir /keys && chown nobody /keys && chmod 700 /keys
USER nobody
EXPOSE 8080
ENTRYPOINT ["kycd"]
