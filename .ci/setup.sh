#!/usr/bin/env bash
# Set up Rendo on Debian 12: the system packages Qt needs, then .venv with Rendo in it.
#   bash .ci/setup.sh        # the application
#   bash .ci/setup.sh test   # the application and the test tools
# Idempotent: a second run touches neither apt nor the network when nothing changed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

extra="${1:-}"
if [[ -n "$extra" && "$extra" != "test" ]]; then
    echo "usage: bash .ci/setup.sh [test]" >&2
    exit 2
fi

python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "setup: Rendo needs Python 3.11 or newer; $python is missing or older (set PYTHON)" >&2
    exit 1
fi

# What PySide6 (Qt 6.5+) needs to run offscreen and under X/Xvfb, plus fonts with Japanese,
# venv support for the system Python and binutils (objdump) for PyInstaller.
apt_packages=(
    libgl1 libegl1 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0
    libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1
    libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
    libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1
    libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1
    fonts-noto-cjk python3-venv binutils xvfb xauth
)
# PyInstaller bundles libpython, which Debian's own Python keeps in a package of its own.
if [[ "$("$python" -c 'import sys; print(sys.base_prefix)')" == /usr ]]; then
    apt_packages+=("libpython$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')")
fi

# The tests start a real PostgreSQL server from Debian's binaries (tests/pg_server.py).
if [[ "$extra" == test ]]; then
    apt_packages+=(postgresql)
fi

missing_packages() {
    local pkg
    for pkg in "${apt_packages[@]}"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]]; then
            echo "$pkg"
        fi
    done
}

install_system_packages() {
    if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
        echo "setup: no apt on this system; install Qt's libraries yourself: ${apt_packages[*]}" >&2
        return 0
    fi
    local missing
    mapfile -t missing < <(missing_packages)
    if [[ ${#missing[@]} -eq 0 ]]; then
        return 0
    fi
    local sudo=()
    if [[ "$(id -u)" -ne 0 ]]; then
        if command -v sudo >/dev/null; then
            sudo=(sudo)
        else
            echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
            exit 1
        fi
    fi
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        2> >(grep -v '^debconf: delaying' >&2)
}

make_venv() {
    if [[ -x .venv/bin/python ]] && .venv/bin/python -c 'import sys' 2>/dev/null; then
        return 0
    fi
    if [[ -e .venv ]]; then
        echo "setup: .venv is broken, making it again"
        rm -rf .venv
    fi
    echo "setup: creating .venv"
    "$python" -m venv .venv
}

install_rendo() {
    # The stamp records pyproject.toml's hash and the extra: pip runs only when one of them changed.
    local stamp=.venv/.rendo-setup
    local want
    want="$(sha256sum pyproject.toml | cut -d' ' -f1) ${extra:-base}"
    if [[ -f "$stamp" ]] && .venv/bin/python -c 'import importlib.metadata as m; m.version("rendo")' \
        2>/dev/null; then
        local have
        have="$(cat "$stamp")"
        if [[ "$have" == "$want" || ( -z "$extra" && "${have% *}" == "${want% *}" ) ]]; then
            return 0
        fi
    fi
    echo "setup: installing Rendo${extra:+ with its $extra tools} into .venv"
    local target=.
    if [[ -n "$extra" ]]; then
        target=".[$extra]"
    fi
    .venv/bin/python -m pip install -q --disable-pip-version-check -e "$target"
    echo "$want" >"$stamp"
}

install_system_packages
make_venv
install_rendo
