#!/usr/bin/env bash
# Build recipes/Dockerfile on a VM of the private network (a private host or a fleet VM):
#   recipes/build-image.sh BASE_IMAGE PIP_INDEX_URL TAG [CONTEXT]
# The token comes from the VM's metadata server (its service account needs read access to the index)
# and reaches the build as a BuildKit secret through the environment: never on a command line, in a
# file, or in a log.
set -euo pipefail

base_image=${1:?usage: build-image.sh BASE_IMAGE PIP_INDEX_URL TAG [CONTEXT]}
index_url=${2:?usage: build-image.sh BASE_IMAGE PIP_INDEX_URL TAG [CONTEXT]}
tag=${3:?usage: build-image.sh BASE_IMAGE PIP_INDEX_URL TAG [CONTEXT]}
context=${4:-.}

AR_TOKEN=$(curl -fsS --max-time 10 -H 'Metadata-Flavor: Google' \
  http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
export AR_TOKEN

DOCKER_BUILDKIT=1 docker build --secret id=ar_token,env=AR_TOKEN \
  --build-arg "BASE_IMAGE=${base_image}" --build-arg "PIP_INDEX_URL=${index_url}" \
  --file "$(dirname "$0")/Dockerfile" --tag "$tag" "$context"
