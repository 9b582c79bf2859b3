#!/bin/sh
# Prints the path of the chromium the browser tests drive: $CHROMIUM_PATH when set, else `chromium` or
# `chromium-browser` on the PATH (Debian and Ubuntu name it differently). Exits 1 when there is none.
# .ci/run asks it whether to install chromium and test/support/browser.ts asks it where chromium is: one answer for
# both, so CI never installs nothing and then fails the test, or the other way round.
if [ -n "${CHROMIUM_PATH:-}" ]; then
  [ -x "$CHROMIUM_PATH" ] && { echo "$CHROMIUM_PATH"; exit 0; }
  exit 1
fi
for name in chromium chromium-browser; do
  path="$(command -v "$name" 2>/dev/null)" && [ -x "$path" ] && { echo "$path"; exit 0; }
done
exit 1
