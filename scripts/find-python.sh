#!/usr/bin/env bash
# Prints the path of a working python of the version given (e.g. 3.10), or fails with a clear message.
# pyenv shims answer "command not found" for versions that are installed but not selected, so we also look
# in pyenv's versions folder directly.
set -u
want="$1"
for cand in "python$want" "$HOME/.pyenv/versions/$want"*/bin/"python$want" /usr/bin/"python$want" /usr/local/bin/"python$want"; do
  p=$(command -v "$cand" 2>/dev/null) || continue
  if "$p" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$want'.split('.')))" >/dev/null 2>&1; then
    echo "$p"; exit 0
  fi
done
echo "Anxin needs python$want, and none was found. Install it (for example 'pyenv install $want') and run make again." >&2
exit 1
