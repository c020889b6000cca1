// Reads the .npy files `genrescope features` writes (little-endian float32, C order), as numpy
// would, so the specs compare the page with the native CLI.
import { readFileSync } from 'node:fs';

/** `{ shape: number[], data: Float32Array }` of a float32 .npy file. */
export function readNpy(path) {
  const bytes = readFileSync(path);
  if (bytes.subarray(0, 6).toString('latin1') !== '\x93NUMPY') {
    throw new Error(`${path}: not a .npy file`);
  }
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.subarray(start, start + headerLength).toString('latin1');
  if (!/'descr':\s*'<f4'/.test(header) || /'fortran_order':\s*True/.test(header)) {
    throw new Error(`${path}: not C-ordered little-endian float32: ${header}`);
  }
  const shape = header
    .match(/'shape':\s*\(([^)]*)\)/)[1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const offset = start + headerLength;
  const data = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + bytes.length),
  );
  return { shape, data };
}
