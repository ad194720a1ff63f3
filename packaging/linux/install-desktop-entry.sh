#!/bin/sh
# Adds SDX Desktop to your applications menu, for you only (no administrator rights).
# Run it again if you move this folder. To take it out of the menu again:
#     ./install-desktop-entry.sh --remove
set -eu

here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps="$data/applications"
icons="$data/icons/hicolor"
entry="$apps/sdx-desktop.desktop"

refresh() {
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$apps" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$icons" || true
}

if [ "${1:-}" = "--remove" ]; then
    rm -f "$entry"
    find "$icons" -path "*/apps/sdx-desktop.*" -type f -exec rm -f {} + 2>/dev/null || true
    refresh
    echo "SDX Desktop was removed from your applications menu."
    exit 0
fi

if [ ! -x "$here/sdx-desktop" ]; then
    echo "Run this script from the unpacked SDX Desktop folder." >&2
    exit 1
fi
mkdir -p "$apps" "$icons"
cp -R "$here/_internal/share/icons/hicolor/." "$icons/"
# Escape the folder name for sed (\, | and &), quote it for the Exec line.
escaped=$(printf '%s' "$here" | sed -e 's/[\\|&]/\\&/g')
sed -e "s|^Exec=.*|Exec=\"$escaped/sdx-desktop\"|" \
    -e "s|^TryExec=.*|TryExec=$escaped/sdx-desktop|" \
    -e "/^# install-desktop-entry.sh/d" \
    "$here/_internal/share/applications/sdx-desktop.desktop" > "$entry"
chmod 644 "$entry"
refresh
echo "SDX Desktop is now in your applications menu."
