#!/usr/bin/env bash
# Installs memcached from Debian's packages when it is not on PATH. Sourced
# by the other scripts.
if ! command -v memcached >/dev/null 2>&1; then
    echo "memcached not found: installing it" >&2
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq memcached >/dev/null
fi
