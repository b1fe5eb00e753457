/**
 * The credential-helper contract every CredentialStore keeps: store, get,
 * list, erase, replace, and erase of a missing key. Shared by the memory,
 * file and real `pass` store tests.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { CredentialStore } from "../../src/store/credential-store.ts";

/** Run the contract against an empty store; leaves only https://b.example/y behind. */
export async function checkStoreContract(s: CredentialStore, secret = "s1"): Promise<void> {
  assert.equal(await s.get("https://a.example/x"), undefined);
  await s.erase("https://never.example/");
  await s.store({ ServerURL: "https://a.example/x", Username: "u1", Secret: secret });
  await s.store({ ServerURL: "https://b.example/y", Username: "u2", Secret: "s2" });
  assert.deepEqual(await s.get("https://a.example/x"), {
    ServerURL: "https://a.example/x",
    Username: "u1",
    Secret: secret,
  });
  assert.deepEqual(await s.list(), { "https://a.example/x": "u1", "https://b.example/y": "u2" });
  await s.store({ ServerURL: "https://a.example/x", Username: "u1", Secret: "s1b" });
  assert.equal((await s.get("https://a.example/x"))?.Secret, "s1b");
  await s.erase("https://a.example/x");
  assert.deepEqual(await s.list(), { "https://b.example/y": "u2" });
}
