// The web client's bundled assets, embedded in the binary through the generated module
// (scripts/build-web.ts writes src/web/assets.gen.ts). URLs carry the content hash, so the
// files are cached for a year and a new build is fetched at once.
import { WEB_ASSETS } from "../assets.gen.ts";

export interface Asset {
  type: string;
  body: string;
  hash: string;
}

const gzipped = new Map<string, Uint8Array>();

export function asset(name: string): Asset | undefined {
  return (WEB_ASSETS as Record<string, Asset>)[name];
}

export function assetUrl(name: string): string {
  const a = asset(name);
  return `/static/${name}${a ? `?v=${a.hash}` : ""}`;
}

export function gzippedAsset(name: string, a: Asset): Uint8Array {
  let z = gzipped.get(name);
  if (!z) {
    z = Bun.gzipSync(new TextEncoder().encode(a.body), { level: 9 });
    gzipped.set(name, z);
  }
  return z;
}
