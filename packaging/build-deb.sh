#!/bin/bash
# Builds the btfence .deb from this source tree and runs lintian on it.
#
#   packaging/build-deb.sh OUTDIR [--nocheck]
#
# The build happens in a temporary copy of the tree, with packaging/debian copied to its root:
# the repository never gets a debian/ directory. The copy holds the files git tracks plus new
# ones it does not ignore (build directories are ignored), or, without git, everything but
# build*/ and .git. OUTDIR receives btfence_VERSION_ARCH.deb, btfence-dbgsym_*.deb, the
# .buildinfo and .changes, and lintian.txt.
# --nocheck: skip the unit tests during the build (DEB_BUILD_OPTIONS=nocheck).
# Exit status: 0 when the package built, holds every file it must hold, and lintian reports
# no error and no warning.
set -euo pipefail

usage() { echo "usage: $0 OUTDIR [--nocheck]" >&2; exit 2; }
[ $# -ge 1 ] || usage
out=$1; shift
nocheck=
for arg in "$@"; do
    case $arg in
        --nocheck) nocheck=1 ;;
        *) usage ;;
    esac
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

for tool in dpkg-buildpackage dh lintian dpkg-parsechangelog; do
    command -v "$tool" >/dev/null || { echo "$tool missing: run packaging/install-deps.sh" >&2; exit 1; }
done

# The package version and the CMake project version must agree.
version=$(dpkg-parsechangelog -l "$here/debian/changelog" -S Version)
cmake_version=$(sed -n 's/^project(btfence VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
if [ "${version%%-*}" != "$cmake_version" ]; then
    echo "debian/changelog says $version, CMakeLists.txt says $cmake_version" >&2
    exit 1
fi

work=$(mktemp -d /tmp/btfence-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/btfence-$version
mkdir "$src"
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Files that exist: a deleted but still tracked file is listed by --cached too.
    git -C "$root" ls-files -z --cached --others --exclude-standard \
        | (cd "$root" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) \
        | tar -C "$root" --null -T - -cf - | tar -C "$src" -xf -
else
    tar -C "$root" --exclude=./.git --exclude='./build*' -cf - . | tar -C "$src" -xf -
fi
rm -rf "$src/debian"
cp -a "$here/debian" "$src/debian"

export DEB_BUILD_OPTIONS="parallel=$(nproc)${nocheck:+ nocheck}"
(cd "$src" && dpkg-buildpackage -b -us -uc ${nocheck:+-Pnocheck})

shopt -s nullglob
built=("$work"/btfence_"$version"_*.deb)
[ ${#built[@]} -eq 1 ] || { echo "expected one btfence .deb in $work" >&2; exit 1; }
deb=${built[0]}
# The package, its automatic -dbgsym package, and the .changes/.buildinfo that list them.
rm -f "$out"/btfence_*.deb "$out"/btfence-dbgsym_*.deb "$out"/btfence_*.changes "$out"/btfence_*.buildinfo
cp "$work"/*.deb "$work"/btfence_"$version"_*.changes "$work"/btfence_"$version"_*.buildinfo "$out"/
deb=$out/$(basename "$deb")

# What the package must hold. A missing binary usually means a missing install() rule.
required=(
    ./usr/sbin/btfenced
    ./usr/bin/btfencectl
    ./lib/systemd/system/btfence.service
    ./usr/lib/sysusers.d/btfence.conf
    ./usr/lib/tmpfiles.d/btfence.conf
    ./usr/share/dbus-1/system.d/org.btfence1.conf
    ./usr/share/dbus-1/interfaces/org.btfence1.Manager1.xml
    ./usr/share/polkit-1/actions/org.btfence1.policy
    ./usr/share/bash-completion/completions/btfencectl
    ./usr/share/btfence/fleet/intune/btfence-discovery.sh
    ./usr/share/btfence/fleet/ansible/roles/btfence/tasks/main.yml
    ./usr/share/btfence/org.bluez-btfence-lockdown.conf
    ./etc/btfence/policy.toml
    ./usr/share/man/man8/btfenced.8.gz
    ./usr/share/man/man1/btfencectl.1.gz
    ./usr/share/man/man5/btfence-policy.5.gz
)
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
missing=0
for path in "${required[@]}"; do
    if ! grep -qxF "$path" <<<"$contents"; then
        echo "MISSING from the package: $path" >&2
        missing=1
    fi
done
grep -q '^\./usr/share/doc/btfence/admin-guide\.md' <<<"$contents" \
    || { echo "MISSING from the package: /usr/share/doc/btfence/admin-guide.md" >&2; missing=1; }

echo "== $deb"
dpkg-deb -I "$deb" | sed -n '/^ Package:/,$p' | grep -E '^ (Package|Version|Architecture|Depends|Installed-Size):'
echo "== lintian"
lintian_status=0
lintian --display-info --fail-on error,warning "$out"/btfence_"$version"_*.changes \
    >"$out/lintian.txt" 2>&1 || lintian_status=$?
cat "$out/lintian.txt"
if [ $lintian_status -ne 0 ]; then
    echo "lintian found errors or warnings (exit $lintian_status)" >&2
fi
[ $missing -eq 0 ] && [ $lintian_status -eq 0 ]
