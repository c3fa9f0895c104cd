// Lists a PMTiles archive through the Protomaps reference reader (npm `pmtiles`), for swath's tests: a `header` and a
// `metadata` JSON line, then one `tile Z X Y SHA256` line per addressed tile (walked through every directory, each
// tile fetched by z/x/y as a map client would), then `leaves N`. Exit 1, with the reason on stderr, on any error.
import crypto from "node:crypto";
import fs from "node:fs";
import { PMTiles, tileIdToZxy } from "pmtiles";

class NodeFileSource {
  constructor(path) {
    this.path = path;
    this.fd = fs.openSync(path, "r");
  }
  getKey() {
    return this.path;
  }
  async getBytes(offset, length) {
    const buffer = Buffer.alloc(length);
    const n = fs.readSync(this.fd, buffer, 0, length, offset);
    return { data: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + n) };
  }
}

async function main(path) {
  const source = new NodeFileSource(path);
  const archive = new PMTiles(source);
  const header = await archive.getHeader();
  console.log("header " + JSON.stringify(header));
  console.log("metadata " + JSON.stringify(await archive.getMetadata()));
  let leaves = 0;
  let lastId = -1;
  const walk = async (offset, length) => {
    for (const entry of await archive.cache.getDirectory(source, offset, length, header)) {
      if (entry.tileId <= lastId) throw new Error(`tile id ${entry.tileId} after ${lastId}: directories out of order`);
      if (entry.runLength === 0) {
        leaves += 1;
        await walk(header.leafDirectoryOffset + entry.offset, entry.length);
        continue;
      }
      for (let i = 0; i < entry.runLength; i++) {
        const [z, x, y] = tileIdToZxy(entry.tileId + i);
        const tile = await archive.getZxy(z, x, y);
        if (!tile) throw new Error(`tile ${z}/${x}/${y} is in a directory but getZxy does not find it`);
        const sha = crypto.createHash("sha256").update(new Uint8Array(tile.data)).digest("hex");
        console.log(`tile ${z} ${x} ${y} ${sha}`);
      }
      lastId = entry.tileId + entry.runLength - 1;
    }
  };
  await walk(header.rootDirectoryOffset, header.rootDirectoryLength);
  console.log(`leaves ${leaves}`);
}

if (process.argv.length !== 3) {
  console.error("usage: node list.mjs ARCHIVE.pmtiles");
  process.exit(2);
}
main(process.argv[2]).catch((error) => {
  console.error(`pmtiles reader: ${error.message}`);
  process.exit(1);
});
