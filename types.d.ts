// The declarations an app needs to type-check against this client outside mcconfig: name this
// package in your tsconfig's "types" (see README, "Using the client from another Moddable
// project"). mcconfig itself takes them from the SDK and from modules/mqtt/manifest.json.
// Besides what the client imports, the modules that README's snippets and src/'s apps use
// (flash, Resource, sntp, wifi): declarations only, they add nothing to an image.
/// <reference types="@moddable/typings/xs" />
/// <reference types="@moddable/typings/timer" />
/// <reference types="@moddable/typings/time" />
/// <reference types="@moddable/typings/net" />
/// <reference types="@moddable/typings/modules" />
/// <reference types="@moddable/typings/crc" />
/// <reference types="@moddable/typings/mc/config" />
/// <reference types="@moddable/typings/embedded_io/_common" />
/// <reference types="@moddable/typings/embedded_io/socket/tcp" />
/// <reference types="@moddable/typings/flash" />
/// <reference types="@moddable/typings/Resource" />
/// <reference types="@moddable/typings/sntp" />
/// <reference types="@moddable/typings/wifi" />
/// <reference path="./modules/mqtt/xs.d.ts" />
