/**
 * tesseract.js's own Node worker script (`src/worker-script/node/index.js`), taking each job
 * from the message event itself. Deno's `worker_threads` hands a message to a
 * `parentPort.on("message")` listener only after walking every property of it for MessagePorts,
 * and a Uint8Array's every element is a property: the page picture of each job (a band's PNG,
 * 0.2-1.3 MB) was walked at ~150 ns a byte, 40-140 ms on 2 vCPUs, before tesseract saw it. No job
 * carries a MessagePort.
 */
"use strict";

const { parentPort } = require("worker_threads");
const worker = require("tesseract.js/src/worker-script");
const getCore = require("tesseract.js/src/worker-script/node/getCore");
const gunzip = require("tesseract.js/src/worker-script/node/gunzip");
const cache = require("tesseract.js/src/worker-script/node/cache");

const reply = (message) => parentPort.postMessage(message);

parentPort.addEventListener("message", (event) => worker.dispatchHandlers(event.data, reply));

worker.setAdapter({ getCore, gunzip, fetch: globalThis.fetch, ...cache });
