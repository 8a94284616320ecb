/*
 * The ESP8266's `system` module (deepSleep) imports the IO provider to publish it as
 * globalThis.device; Moddable's provider brings every IO class (analog, digital, I²C, PWM,
 * serial, SPI: about 17 KB of flash). This app uses none, so its provider holds nothing.
 */
export default {};
