# Shared by the scripts that take packages from the npm registry. Source it; then
#   require_tools WHO TOOL...                         exits 2 naming the first missing tool
#   tarball=$(npm_pack_checked WHO PKG VERSION INTEGRITY DIR)
# npm_pack_checked runs `npm pack` (which runs no install script) into DIR and checks the tarball's
# sha512 against the integrity npm published for that version; a mismatch exits 1.

require_tools() {
  local who=$1
  shift
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null; then
      echo "$who: '$tool' is missing (scripts/setup.sh installs it)" >&2
      exit 2
    fi
  done
}

npm_pack_checked() {
  local who=$1 package=$2 version=$3 integrity=$4 dir=$5
  (cd "$dir" && npm pack "$package@$version" --silent >/dev/null)
  local tarball
  tarball=$(ls "$dir"/*.tgz 2>/dev/null | head -1)
  if [[ -z "$tarball" ]]; then
    echo "$who: npm pack $package@$version wrote no tarball" >&2
    exit 1
  fi
  local got
  got=$(node -e '
    const fs = require("fs"), crypto = require("crypto");
    process.stdout.write("sha512-" + crypto.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"));' "$tarball")
  if [[ "$got" != "$integrity" ]]; then
    echo "$who: $tarball: integrity mismatch" >&2
    echo "  expected $integrity" >&2
    echo "  got      $got" >&2
    exit 1
  fi
  echo "$tarball"
}
