# Shared by the fetch scripts: a fetched folder is built beside its place as DIR.partial and swapped
# in whole, with a stamp (.fetched) saying what it holds, so an interrupted fetch leaves no half folder
# and a second run with the same pin does nothing. Source it; then
#   is_fetched DIR WANT [FILE...]    true when DIR's stamp says WANT and each FILE (relative) is there
#   staging=$(start_staging DIR)     an empty DIR.partial
#   swap_in DIR WANT                 stamps DIR.partial with WANT and puts it in DIR's place

is_fetched() {
  local dir=$1 want=$2
  shift 2
  [[ -f "$dir/.fetched" && "$(cat "$dir/.fetched")" == "$want" ]] || return 1
  for f in "$@"; do [[ -e "$dir/$f" ]] || return 1; done
}

start_staging() {
  rm -rf "$1.partial"
  mkdir -p "$1.partial"
  echo "$1.partial"
}

swap_in() {
  local dir=$1 want=$2
  echo "$want" > "$dir.partial/.fetched"
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  mv "$dir.partial" "$dir"
}
