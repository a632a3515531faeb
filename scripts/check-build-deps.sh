#!/usr/bin/env bash
# PyICU (pulled in by rigour's normality, for transliterating names from any script) has no
# wheels: pip builds it against the system's ICU. Say so plainly before pip fails obscurely.
set -uo pipefail
if ! pkg-config --exists icu-i18n 2>/dev/null || ! command -v g++ >/dev/null 2>&1; then
    echo "PyICU needs ICU's headers, pkg-config and a C++ compiler to build:" >&2
    echo "  sudo apt-get install libicu-dev pkg-config g++   (Debian/Ubuntu)" >&2
    echo "  brew install icu4c pkg-config                    (macOS; see PyICU's README)" >&2
    exit 1
fi
