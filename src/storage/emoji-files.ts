// Custom emoji image files, for now on the local disk under <data_dir>/uploads/emoji/.
// TEMPORARY HOME: the uploads area will move this behind the upload backends (local/S3);
// callers only use these three functions, so that move does not touch them.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

const dirFor = (dataDir: string, realmId: number) => resolve(dataDir, "uploads", "emoji", String(realmId));

export async function writeEmojiFile(dataDir: string, realmId: number, fileName: string, bytes: Uint8Array): Promise<void> {
  const dir = dirFor(dataDir, realmId);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, fileName), bytes);
}

export async function readEmojiFile(dataDir: string, realmId: number, fileName: string): Promise<Uint8Array | null> {
  try {
    return await readFile(join(dirFor(dataDir, realmId), fileName));
  } catch {
    return null;
  }
}

export async function removeEmojiFile(dataDir: string, realmId: number, fileName: string): Promise<void> {
  await rm(join(dirFor(dataDir, realmId), fileName), { force: true });
}
