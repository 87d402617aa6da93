#!/usr/bin/env bash
# Upload built distributions to the private repo from CI:
#   recipes/upload-from-ci.sh UPLOAD_URL dist/*
# UPLOAD_URL is the stack's output private_repo_upload_url. CI signs in to Google first (e.g. workload
# identity federation) as a member of repositories.access.private.writers. The token reaches twine
# through its environment: never on a command line, in a file, or in a log.
set -euo pipefail

upload_url=${1:?usage: upload-from-ci.sh UPLOAD_URL FILE...}
shift
(($# > 0)) || { echo "upload-from-ci.sh: no files to upload" >&2; exit 2; }

TWINE_PASSWORD=$(gcloud auth print-access-token)
export TWINE_PASSWORD TWINE_USERNAME=oauth2accesstoken
twine upload --non-interactive --repository-url "$upload_url" "$@"
