// The declarations an app needs to type-check against this client outside mcconfig: name this
// package in your tsconfig's "types" (see README, "Using the client from another Moddable
// project"). mcconfig itself takes them from the SDK and from modules/mqtt/manifest.json.
/// <reference types="@moddable/typings/xs" />
/// <reference types="@moddable/typings/timer" />
/// <reference types="@moddable/typings/time" />
/// <reference types="@moddable/typings/net" />
/// <reference types="@moddable/typings/modules" />
/// <reference types="@moddable/typings/crc" />
/// <reference types="@moddable/typings/mc/config" />
/// <reference types="@moddable/typings/embedded_io/_common" />
/// <reference types="@moddable/typings/embedded_io/socket/tcp" />
/// <reference path="./modules/mqtt/xs.d.ts" />
