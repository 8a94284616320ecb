#!/usr/bin/env bash
# Writes an ESP8266 image that `mcconfig -d -m -p esp` (or without -d, a release) already built,
# without rebuilding: the same three regions Moddable's make.esp.mk flashes.
#
#   tools/flash.sh [--port /dev/ttyUSB0] [--baud 921600] [--release] [--bin path/to/main.bin] [--flash-size 4M]
#
# Needs $MODDABLE (the SDK's build output) and $ESP_BASE (where the ESP8266 SDKs were set up,
# default ~/esp), as in Moddable's ESP8266 set-up guide.
set -euo pipefail

port="${UPLOAD_PORT:-/dev/ttyUSB0}"
baud="${UPLOAD_SPEED:-921600}"
variant=debug
bin=""
size=4M
while [ $# -gt 0 ]; do
	case "$1" in
		--port) port="$2"; shift 2 ;;
		--baud) baud="$2"; shift 2 ;;
		--release) variant=release; shift ;;
		--bin) bin="$2"; shift 2 ;;
		--flash-size) size="$2"; shift 2 ;;
		-h|--help) sed -n '2,9p' "$0"; exit 0 ;;
		*) echo "flash: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

esptool=""
for candidate in esptool esptool.py; do
	if command -v "$candidate" >/dev/null 2>&1; then esptool="$candidate"; break; fi
done
if [ -z "$esptool" ] && [ -n "${ESP_BASE:-}" ] && [ -f "$ESP_BASE/ESP8266_RTOS_SDK/components/esptool_py/esptool/esptool.py" ]; then
	esptool="python3 $ESP_BASE/ESP8266_RTOS_SDK/components/esptool_py/esptool/esptool.py"
fi
if [ -z "$esptool" ]; then
	cat >&2 <<'MSG'
flash: esptool is not installed. Install it with one of:
  sudo apt-get install esptool        (Debian/Ubuntu: provides /usr/bin/esptool)
  python3 -m pip install esptool      (any system with Python 3)
or set ESP_BASE to the folder holding ESP8266_RTOS_SDK from Moddable's ESP8266 set-up.
MSG
	exit 1
fi

: "${MODDABLE:?flash: set MODDABLE to the Moddable SDK folder (the one mcconfig built with)}"
name="$(basename "$(cd "$(dirname "$0")/.." && pwd)")"
bin="${bin:-$MODDABLE/build/bin/esp/$variant/$name/main.bin}"
[ -f "$bin" ] || { echo "flash: no image at $bin; build it first: mcconfig -d -m -p esp ssid=... password=..." >&2; exit 1; }

firmware="${ESP_BASE:-$HOME/esp}/ESP8266_RTOS_SDK/components/esp8266/firmware"
boot="$firmware/boot_v1.7.bin"
init="$firmware/esp_init_data_default.bin"
for f in "$boot" "$init"; do
	[ -f "$f" ] || { echo "flash: $f is missing; set ESP_BASE as in Moddable's ESP8266 set-up guide" >&2; exit 1; }
done
case "$size" in
	1M) init_offset=0xFC000 ;;
	4M) init_offset=0x3FC000 ;;
	*) echo "flash: --flash-size must be 1M or 4M" >&2; exit 2 ;;
esac

echo "flash: writing $bin to $port at $baud baud"
# shellcheck disable=SC2086
$esptool -b "$baud" -p "$port" write_flash --flash_freq 40m --flash_mode dio --flash_size "${size}B" \
	0x0000 "$boot" 0x1000 "$bin" "$init_offset" "$init"
