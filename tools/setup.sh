#!/usr/bin/env bash
# Everything the host build needs on a fresh machine: npm packages (the XS worker is built by
# @agoric/xsnap's install script), Debian's mosquitto and openssl for the tests, then the
# host build of modules/ and src/. Safe to run again: each step is skipped when done.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
	|| [ ! -x node_modules/@agoric/xsnap/xsnap-native/xsnap/build/bin/lin/release/xsnap-worker ]; then
	echo "setup: installing npm packages"
	npm ci --no-audit --no-fund
fi

missing=()
# the broker and mosquitto_passwd (the tests' users) come in the one Debian package
{ command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; } \
	&& { command -v mosquitto_passwd >/dev/null 2>&1 || [ -x /usr/bin/mosquitto_passwd ]; } \
	|| missing+=(mosquitto)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]} from Debian"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

node tools/build-host.mjs
