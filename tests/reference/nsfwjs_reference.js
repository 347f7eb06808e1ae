// Reference for the NSFW classifier: nsfwjs 4.4.0 itself, on TensorFlow.js's pure-JavaScript CPU
// backend, with its bundled MobileNetV2 ("mid") model. Node modules: scripts/fetch_test_reference.sh.
//
//   node nsfwjs_reference.js OUT_DIR IMAGE.png...   per image N (from 0), prints its five
//                                                  probabilities as a JSON line and writes the
//                                                  input tensor nsfwjs makes to OUT_DIR/N.f32
"use strict";
const fs = require("fs");
const path = require("path");
const modules = path.join(__dirname, "..", "..", "third_party", "node_reference", "node_modules");
const tf = require(path.join(modules, "@tensorflow", "tfjs"));
const nsfwjs = require(path.join(modules, "nsfwjs"));
const { PNG } = require(path.join(modules, "pngjs"));

(async () => {
  await tf.setBackend("cpu");
  const model = await nsfwjs.load("MobileNetV2Mid");
  const [outDir, ...images] = process.argv.slice(2);
  for (const [n, file] of images.entries()) {
    const png = PNG.sync.read(fs.readFileSync(file));
    const rgb = new Int32Array(png.width * png.height * 3);
    for (let i = 0, j = 0; i < png.data.length; i += 4, j += 3) {
      rgb[j] = png.data[i]; rgb[j + 1] = png.data[i + 1]; rgb[j + 2] = png.data[i + 2];  // fromPixels drops alpha
    }
    const image = tf.tensor3d(rgb, [png.height, png.width, 3], "int32");
    // nsfwjs's own preparation (NSFWJS.infer), repeated here only to write the tensor out.
    const input = tf.tidy(() => {
      const normalized = image.toFloat().div(tf.scalar(255));
      return png.width === 224 && png.height === 224 ? normalized
                                                     : tf.image.resizeBilinear(normalized, [224, 224], true);
    });
    fs.writeFileSync(path.join(outDir, `${n}.f32`), Buffer.from(input.dataSync().buffer));
    const probabilities = model.infer(image);
    process.stdout.write(JSON.stringify(Array.from(probabilities.dataSync())) + "\n");
  }
})().catch((e) => { console.error(e); process.exit(1); });
