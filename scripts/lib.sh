# Shared by scripts/serve, scripts/test and .ci/run (sourced, not run). Works from a fresh clone on Debian
# with only python3: creates .venv, installs the app, compiles translations.

VENV="${VENV:-.venv}"
PY="$VENV/bin/python"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31mError: %s\033[0m\n' "$*" >&2; exit 1; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo "$@"
    else
        die "need root to run: $*  (run it yourself, or run this script as root)"
    fi
}

apt_updated=""
apt_install() {
    command -v apt-get >/dev/null || die "cannot install $* automatically: no apt-get here; install them yourself"
    say "Installing Debian packages: $*"
    if [[ -z "$apt_updated" ]]; then
        as_root apt-get update -qq || die "apt-get update failed"
        apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
        || die "apt-get install $* failed"
}

# Packages in "$@" that dpkg does not list as installed.
missing_packages() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
    done
}

ensure_venv() {
    if [[ ! -x "$PY" ]]; then
        command -v python3 >/dev/null || die "python3 is not installed"
        say "Creating $VENV"
        if ! python3 -m venv "$VENV" 2>/dev/null; then
            rm -rf "$VENV"  # Debian splits venv/ensurepip into python3-venv
            apt_install python3-venv
            python3 -m venv "$VENV" || die "python3 -m venv failed"
        fi
    fi
}

# pip install -e "$1" unless the same pyproject.toml was installed already (repeated runs stay fast).
install_app() {
    local target="$1" stamp
    stamp="$VENV/.installed-$(echo "$target" | tr -c 'a-z' '_')-$(sha256sum pyproject.toml | cut -c1-16)"
    if [[ ! -f "$stamp" ]]; then
        say "Installing $target into $VENV"
        "$PY" -m pip install -q --disable-pip-version-check --upgrade pip
        "$PY" -m pip install -q --disable-pip-version-check -e "$target" || die "pip install -e $target failed"
        touch "$stamp"
    fi
}

# .mo files are build artefacts (.gitignore); a catalog without translations yet is fine.
compile_translations() {
    "$VENV/bin/pybabel" -q compile -d meetups/translations || die "pybabel compile failed"
}

# Third-party JS comes from the npm registry (package-lock.json) and is bundled into static/build by
# `flask --app app build-static` (the production recipe's step too); the tests also run ical.js under Node.
# Node.js and npm come from Debian when the machine lacks them.
build_frontend() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        apt_install nodejs npm
    fi
    say "Bundling the front end into static/build"
    "$VENV/bin/flask" --app app build-static || die "flask --app app build-static failed"
}
