// Unwraps a TensorFlow.js model that nsfwjs ships as JavaScript: model.min.js (the model JSON) and
// group1-shardNofM.min.js (each a base64 string of weight bytes).
//   node tfjs_unwrap.js MODEL_DIR OUT_MODEL.json OUT_WEIGHTS.bin
"use strict";
const fs = require("fs");
const path = require("path");
const [dir, outJson, outBin] = process.argv.slice(2);
const model = require(path.resolve(dir, "model.min.js"));
if (!model || !model.weightsManifest) throw new Error(`${dir}/model.min.js: no tfjs model inside`);
const shards = [];
for (const group of model.weightsManifest) {
  for (const p of group.paths) {
    const text = require(path.resolve(dir, p + ".min.js"));
    if (typeof text !== "string") throw new Error(`${dir}/${p}.min.js: not a base64 string`);
    shards.push(Buffer.from(text, "base64"));
  }
}
fs.writeFileSync(outJson, JSON.stringify(model));
fs.writeFileSync(outBin, Buffer.concat(shards));
