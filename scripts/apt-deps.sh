#!/usr/bin/env bash
# Installs the Debian packages Anxin needs, only those missing. Usage: apt-deps.sh pkg[:command] ...
# A package is taken as present when its command (if given) is on PATH or dpkg knows it as installed.
set -eu
missing=()
for spec in "$@"; do
  pkg="${spec%%:*}"; cmd="${spec#*:}"; [ "$cmd" = "$spec" ] && cmd=""
  if [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1; then continue; fi
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then continue; fi
  missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
