#!/bin/sh
# Prefect reads its basic-auth string and database password from the environment only, while
# Docker and Kubernetes hand secrets over as files. For each of these variables, VAR_FILE=path
# exports VAR with the file's content (other *_FILE variables, e.g. SSL_CERT_FILE, are left alone).
# Then run the command.
set -eu
for name in PREFECT_API_AUTH_STRING PREFECT_SERVER_API_AUTH_STRING PREFECT_SERVER_DATABASE_PASSWORD; do
  eval "file=\${${name}_FILE:-}"
  [ -n "$file" ] || continue
  if [ ! -r "$file" ]; then
    echo "error: ${name}_FILE=$file is not a readable file; mount the secret there" >&2
    exit 2
  fi
  value="$(cat "$file")"
  export "$name=$value"
  unset "${name}_FILE"
done
exec "$@"
