#!/usr/bin/env bash
# Rebuilds the metadata-only package from src/ (a .nupkg is a zip of the nuspec). Run after editing the nuspec.
set -euo pipefail
cd "$(dirname "$0")"
out="$PWD/patched.distributedlock.postgres.1.3.3.nupkg"
rm -f "$out"
(cd src && python3 -c 'import sys,zipfile
with zipfile.ZipFile(sys.argv[1],"w",zipfile.ZIP_DEFLATED) as z:
    for f in ("Patched.DistributedLock.Postgres.nuspec","[Content_Types].xml"):
        z.write(f)' "$out")
echo "wrote $out"
