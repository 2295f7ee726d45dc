#!/usr/bin/env bash
# Refreshes the GraphiQL page's assets from the npm registry, at the versions pinned below,
# checking each package against the registry's integrity hash, and writes SRI, the
# Subresource Integrity hash of each file that muster serves (the page pins every script and
# style with it). Run it from anywhere; commit what it changes.
set -euo pipefail
cd "$(dirname "$0")"

GRAPHIQL=3.8.3
REACT=18.3.1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # package version file-in-package local-name
  local tarball
  tarball=$(cd "$work" && npm pack "$1@$2" --silent)
  local expected actual
  expected=$(npm view "$1@$2" dist.integrity)
  actual="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
  [ "$expected" = "$actual" ] || { echo "$1@$2: integrity $actual, the registry says $expected" >&2; exit 1; }
  mkdir -p "$work/$1"
  tar xzf "$work/$tarball" -C "$work/$1"
  cp "$work/$1/package/$3" "$4"
}

fetch graphiql "$GRAPHIQL" graphiql.min.js graphiql.min.js
fetch graphiql "$GRAPHIQL" graphiql.min.css graphiql.min.css
fetch react "$REACT" umd/react.production.min.js react.production.min.js
fetch react-dom "$REACT" umd/react-dom.production.min.js react-dom.production.min.js

{
  echo "# file  Subresource Integrity (sha384), written by update.sh: graphiql $GRAPHIQL, react $REACT"
  for file in react.production.min.js react-dom.production.min.js graphiql.min.js graphiql.min.css; do
    echo "$file sha384-$(openssl dgst -sha384 -binary "$file" | base64 -w0)"
  done
} > SRI
cat SRI
