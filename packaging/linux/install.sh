#!/bin/sh
# Install the SalonDesk bundle from this tarball for the current user (no root needed):
#   the program in ~/.local/opt/salondesk, `salondesk` on ~/.local/bin, a menu entry and icon.
# Run again to upgrade. The store is not here: it stays in ~/.local/share/SalonDesk.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-"$HOME/.local"}
dest="$prefix/opt/salondesk"
rm -rf "$dest.new"
mkdir -p "$prefix/opt" "$prefix/bin" "$prefix/share/applications" \
         "$prefix/share/icons/hicolor/256x256/apps"
cp -a "$here/salondesk" "$dest.new"
rm -rf "$dest"
mv "$dest.new" "$dest"
ln -sf "$dest/salondesk" "$prefix/bin/salondesk"
sed "s|^Exec=salondesk|Exec=$dest/salondesk|" "$here/salondesk.desktop" \
    > "$prefix/share/applications/salondesk.desktop"
cp "$here/salondesk.png" "$prefix/share/icons/hicolor/256x256/apps/salondesk.png"
echo "SalonDesk installed in $dest; start it from the menu or with: $prefix/bin/salondesk"
