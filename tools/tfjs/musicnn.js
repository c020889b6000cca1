// MusiCNN (Pons & Serra 2019, the `musicnn` 0.1.0 package's build_musicnn) in TensorFlow.js
// ops, op for op as `musicnn/models.py` builds it with tf.compat.v1.layers, from the
// checkpoint's variables (`tools/musicnn/run.sh export`). Loaded by page.html as a classic
// script after tf.min.js; `globalThis.musicnn`.
//
// Variables are named as the checkpoint names them: `conv2d`, `conv2d_1`, … in the order the
// graph creates them (timbral 7x38, timbral 7x67, temporal 128, 64, 32, the three mid-end
// convolutions), `batch_normalization`, `_1`, … (the input's first), `dense`, `dense_1`.
(() => {
  const EPS = 1e-3; // tf.compat.v1.layers.batch_normalization's default epsilon

  /** `name` → tf.Tensor from `{ manifest: [{ name, shape, offset, length }], buffer }`. */
  function variables({ manifest, buffer }) {
    const vars = {};
    for (const { name, shape, offset, length } of manifest) {
      vars[name] = tf.tensor(new Float32Array(buffer, offset * 4, length), shape, 'float32');
    }
    return vars;
  }

  function build(vars) {
    const v = (name) => {
      if (!vars[name]) throw new Error(`no variable ${name}`);
      return vars[name];
    };
    const bn = (x, i) => {
      const p = `batch_normalization${i ? `_${i}` : ''}__`;
      return tf.batchNorm(x, v(`${p}moving_mean`), v(`${p}moving_variance`), v(`${p}beta`), v(`${p}gamma`), EPS);
    };
    // Convolution, bias, ReLU as three ops: TF.js's fused conv2d (what the tensorflowjs
    // converter makes of Conv2D + BiasAdd + Relu) was ~4 % slower here on the WASM backend (258
    // against 247 ms a patch, 2026-12-05), so the peer runs the faster form.
    const conv = (x, i, padding) => {
      const p = `conv2d${i ? `_${i}` : ''}__`;
      return tf.relu(tf.add(tf.conv2d(x, v(`${p}kernel`), 1, padding), v(`${p}bias`)));
    };
    const padTime = (x) => tf.pad(x, [[0, 0], [3, 3], [0, 0], [0, 0]]);
    // max_pooling2d over the whole frequency axis, then squeeze: [B, T, F, C] -> [B, T, C].
    const maxFreq = (x) => tf.max(x, 2);

    /** `[B, 187, 96]` log-mel patches → `[B, 50]` tag activations. */
    return (x) =>
      tf.tidy(() => {
        const input = bn(tf.expandDims(x, 3), 0);
        const padded = padTime(input);
        const f74 = maxFreq(bn(conv(padded, 0, 'valid'), 1));
        const f77 = maxFreq(bn(conv(padded, 1, 'valid'), 2));
        const s1 = maxFreq(bn(conv(input, 2, 'same'), 3));
        const s2 = maxFreq(bn(conv(input, 3, 'same'), 4));
        const s3 = maxFreq(bn(conv(input, 4, 'same'), 5));
        const front = tf.expandDims(tf.concat([f74, f77, s1, s2, s3], 2), 3); // [B, T, 561, 1]

        const mid = (x, conv_i, bn_i) =>
          tf.transpose(bn(conv(padTime(x), conv_i, 'valid'), bn_i), [0, 1, 3, 2]);
        const c1 = mid(front, 5, 6); // [B, T, 64, 1]
        const r2 = tf.add(mid(c1, 6, 7), c1);
        const r3 = tf.add(mid(r2, 7, 8), r2);
        const features = tf.concat([front, c1, r2, r3], 2); // [B, T, 753, 1]

        const pooled = tf.concat([tf.max(features, 1), tf.mean(features, 1)], 2); // [B, 753, 2]
        const flat = bn(tf.reshape(pooled, [pooled.shape[0], -1]), 9);
        const dense = bn(tf.relu(tf.add(tf.matMul(flat, v('dense__kernel')), v('dense__bias'))), 10);
        const logits = tf.add(tf.matMul(dense, v('dense_1__kernel')), v('dense_1__bias'));
        return tf.sigmoid(logits);
      });
  }

  globalThis.musicnn = { variables, build };
})();
